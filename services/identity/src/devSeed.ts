import { AppError, type Role } from '@lm/kit';
import type { Identity } from './createIdentity.js';

/**
 * Development accounts. Same ids as the users of deploy/keycloak/little-monster-realm.json, so
 * courses seeded for one mode also fit the other. DEV-ONLY passwords (the `lm` CLI defaults to
 * the lecturer's against a loopback platform).
 */
export const DEV_USERS = [
  {
    id: '6c0a7d2e-1b7c-4d1e-9a51-000000000001',
    email: 'lecturer@example.test',
    password: 'lecturer-dev-password',
    name: 'Lena Lecturer',
    roles: ['lecturer'] as Role[],
  },
  {
    id: '6c0a7d2e-1b7c-4d1e-9a51-000000000002',
    email: 'student1@example.test',
    password: 'student1-dev-password',
    name: 'Sam Student',
    roles: ['student'] as Role[],
  },
  {
    id: '6c0a7d2e-1b7c-4d1e-9a51-000000000003',
    email: 'student2@example.test',
    password: 'student2-dev-password',
    name: 'Sasha Student',
    roles: ['student'] as Role[],
  },
  {
    id: '6c0a7d2e-1b7c-4d1e-9a51-000000000004',
    email: 'admin@example.test',
    password: 'admin-dev-password',
    name: 'Ada Admin',
    roles: ['admin'] as Role[],
  },
] as const;

export const DEV_COURSE = {
  id: 'biology-101',
  title: 'Biology 101',
  description: 'Development course: the lecturer and student1 are members, student2 is not.',
  inviteCode: 'BIO101DEV',
} as const;

/**
 * Seeds the dev accounts (embedded mode; in Keycloak mode rows without passwords, keyed by the
 * realm's user ids) and Biology 101 with the lecturer and student1. Idempotent: existing rows
 * are left as they are.
 */
export async function seedDevData(identity: Identity): Promise<{ created: string[] }> {
  const db = identity.accounts;
  const created: string[] = [];
  for (const user of DEV_USERS) {
    if (await db.findById(user.id)) continue;
    if (await db.findByEmail(user.email))
      throw new AppError(
        'already_exists',
        `${user.email} exists with another id; seed into a fresh database`,
      );
    await db.insertSeedUser({ ...user, local: identity.mode === 'local' });
    created.push(user.email);
  }
  const [lecturer, student1] = [DEV_USERS[0], DEV_USERS[1]];
  if (await identity.courses.seedCourse(DEV_COURSE, lecturer.id, [student1.id])) {
    created.push(DEV_COURSE.title);
  }
  return { created };
}
