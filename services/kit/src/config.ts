import { z } from 'zod';
import { AppError } from './errors.js';

/**
 * Reads a service's configuration from the environment and validates it with a zod schema.
 * A bad or missing value stops start-up with a message naming each offending variable.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join('.') || '(environment)';
    const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
    const shown =
      value === undefined ? 'unset' : `got ${JSON.stringify(redactIfSecret(variable, value))}`;
    return `${variable}: ${issue.message} (${shown})`;
  });
  throw new AppError('invalid_argument', `Invalid configuration:\n  ${problems.join('\n  ')}`, {
    details: { variables: result.error.issues.map((i) => i.path.map(String).join('.')) },
  });
}

const SECRET_NAME = /(SECRET|PASSWORD|TOKEN|KEY)/i;
function redactIfSecret(name: string, value: string): string {
  return SECRET_NAME.test(name) ? '<redacted>' : value;
}

/** Common field helpers so every service spells its variables the same way. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  host: (fallback: string) => z.string().min(1).default(fallback),
  url: () => z.url(),
  optionalUrl: () =>
    z
      .string()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .pipe(z.url().optional()),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  logLevel: () =>
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
};
