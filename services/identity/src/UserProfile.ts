import type { Role } from '@lm/kit';
import type { UsersTable } from '@lm/db';
import type { Selectable } from 'kysely';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** What the API shows of a user: never the hash or the lock-out counters. */
export interface UserProfile {
  id: string;
  email: string;
  username: string;
  name: string;
  avatarUrl: string | null;
  preferences: Record<string, unknown>;
  roles: Role[];
  disabled: boolean;
  source: 'local' | 'keycloak';
  createdAt: string;
}

export function toProfile(row: Selectable<UsersTable>): UserProfile {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    name: row.name,
    avatarUrl: row.avatar_url,
    preferences: row.preferences,
    roles: row.roles,
    disabled: row.disabled,
    source: row.source,
    createdAt: row.created_at.toISOString(),
  };
}
