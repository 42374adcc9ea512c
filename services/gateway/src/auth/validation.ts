import { z } from 'zod';
import { AppError } from '@lm/kit';

/**
 * Input rules shared by the identity routes. Every query is parameterised (Kysely), so hostile
 * text cannot change a query; text that looks like an injection probe is still refused with a
 * clear 400, so probes are visible as such and never stored. Passwords are the exception: they
 * are opaque (only their hash is stored) and any character is allowed in them.
 */
const SQL_PROBE =
  /(--|\/\*|\*\/|;\s*(drop|delete|insert|update|select|alter|create|truncate|grant)\b|\bunion(\s+all)?\s+select\b|'\s*or\s+'?[\w]*'?\s*=\s*'?[\w]*|\bor\s+1\s*=\s*1\b|\b(drop|truncate)\s+table\b|\bsleep\s*\(|\bpg_sleep\b|\bwaitfor\s+delay\b)/i;
// Control characters (NUL and friends) are never part of a name, title or e-mail.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Free text (names, titles): bounded, no control characters, no injection probes. */
export function text(max: number, min = 0) {
  return z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((v) => !CONTROL.test(v), 'must not contain control characters')
    .refine((v) => !SQL_PROBE.test(v), 'looks like an injection attempt');
}

export const email = z
  .string()
  .trim()
  .max(254)
  .regex(
    /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,24}$/,
    'must be an e-mail address',
  );

export const password = z.string().min(10).max(256);

/** Opaque tokens we issued: base64url, bounded. */
export const opaqueToken = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'is not a token');

export const inviteCode = z
  .string()
  .trim()
  .min(4)
  .max(32)
  .regex(/^[A-Za-z0-9-]+$/, 'is not an invite code');

export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'is not an id');

export const avatarUrl = z
  .string()
  .trim()
  .max(2048)
  .url()
  .refine((v) => /^https?:\/\//i.test(v), 'must be an http(s) URL')
  .refine((v) => !SQL_PROBE.test(v) && !CONTROL.test(v), 'looks like an injection attempt');

/**
 * Preferences: a small JSON object (8 KB serialised), no deeper than 4 levels, whose keys and
 * string values follow the free-text rules (jsonb also refuses NUL characters).
 */
export const preferences = z
  .record(z.string().max(64), z.unknown())
  .refine((v) => JSON.stringify(v).length <= 8192, 'is larger than 8 KB')
  .refine((v) => depth(v) <= 4, 'is nested deeper than 4 levels')
  .refine(
    (v) => strings(v).every((t) => !CONTROL.test(t) && !SQL_PROBE.test(t)),
    'contains control characters or looks like an injection attempt',
  );

export const role = z.enum(['student', 'lecturer', 'admin']);

/** Every key and string value inside a JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [k, ...strings(v)]);
}

function depth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Object.values(value as Record<string, unknown>);
  return 1 + (children.length ? Math.max(...children.map(depth)) : 0);
}

/** Parses input with a schema; a failure is a 400 naming the fields, never echoing their values. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || what,
    problem: issue.message,
  }));
  throw new AppError(
    'invalid_argument',
    `Invalid ${what}: ${fields.map((f) => `${f.field} ${f.problem}`).join('; ')}`,
    { details: { fields } },
  );
}
