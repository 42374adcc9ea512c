import { afterAll, beforeAll, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { AppError, createLogger, LocalTokenIssuer, type Principal } from '@lm/kit';
import type { Db } from '@lm/db';
import {
  createIdentity,
  DEV_COURSE,
  DEV_USERS,
  PasswordHasher,
  seedDevData,
  type Identity,
} from '../src/index.js';

/** Light argon2id parameters keep the suite fast; the algorithm and code path are the real ones. */
export const testHasher = new PasswordHasher({ memoryCost: 1024, timeCost: 1 });

export async function openIdentity(
  open: () => Promise<Db>,
): Promise<{ db: Db; identity: Identity; logs: string[] }> {
  const db = await open();
  await db.migrate();
  const logs: string[] = [];
  const logger = createLogger({
    service: 'identity-test',
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  });
  const issuer = await LocalTokenIssuer.create({
    issuer: 'http://127.0.0.1:1/auth',
    audience: 'lm-api',
  });
  const identity = createIdentity({ db, logger, mode: 'local', issuer, hasher: testHasher });
  return { db, identity, logs };
}

const unique = () => Math.random().toString(36).slice(2, 10);
const code = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof AppError ? e.code : `not an AppError: ${String(e)}`),
  );

/** The same identity behaviour on PostgreSQL and PGlite. */
export function identityContract(open: () => Promise<Db>): void {
  // One database for the suite (PGlite takes seconds to start); tests use their own e-mails.
  let shared: Awaited<ReturnType<typeof openIdentity>> | undefined;
  beforeAll(async () => {
    shared = await openIdentity(open);
  });
  afterAll(async () => {
    await shared?.db.close();
  });
  const ctx = () => {
    if (!shared) throw new Error('identity not opened');
    return shared;
  };
  it('registers, logs in, and issues tokens the verifier accepts as the same user', async () => {
    const { identity } = ctx();
    {
      const email = `New.${unique()}@Example.test`;
      const { user, tokens } = await identity.accounts.register({
        email,
        password: 'a-long-password',
        name: 'New Person',
      });
      expect(user.email).toBe(email.toLowerCase());
      expect(user.roles).toEqual(['student']);
      const principal = await identity.verifier.verify(tokens.accessToken);
      expect(principal).toMatchObject({ userId: user.id, roles: ['student'], kind: 'user' });
      const login = await identity.accounts.login({
        email: email.toUpperCase(),
        password: 'a-long-password',
        ip: '10.0.0.1',
      });
      expect((await identity.verifier.verify(login.accessToken)).userId).toBe(user.id);
      expect(await code(identity.accounts.register({ email, password: 'another-password' }))).toBe(
        'already_exists',
      );
      // Stored: an argon2id hash, never the password.
      const row = await identity.accounts.findById(user.id);
      expect(row?.password_hash).toMatch(/^\$argon2id\$/);
      expect(row?.password_hash).not.toContain('a-long-password');
    }
  });

  it('rotates refresh tokens, and a reused one revokes the whole login', async () => {
    const { db, identity } = ctx();
    {
      const email = `r.${unique()}@example.test`;
      const { tokens } = await identity.accounts.register({ email, password: 'a-long-password' });
      const second = await identity.accounts.refresh(tokens.refreshToken);
      expect(second.refreshToken).not.toBe(tokens.refreshToken);
      const third = await identity.accounts.refresh(second.refreshToken);
      // The first token again: reuse → refused, and the newest token of the family dies with it.
      expect(await code(identity.accounts.refresh(tokens.refreshToken))).toBe('unauthenticated');
      expect(await code(identity.accounts.refresh(third.refreshToken))).toBe('unauthenticated');
      // Another login (another family) is untouched.
      const other = await identity.accounts.login({ email, password: 'a-long-password', ip: 'x' });
      const afterLogout = await identity.accounts.refresh(other.refreshToken);
      await identity.accounts.logout(afterLogout.refreshToken);
      expect(await code(identity.accounts.refresh(afterLogout.refreshToken))).toBe(
        'unauthenticated',
      );
      const stored = await db.kysely.selectFrom('refresh_tokens').select('token_hash').execute();
      // Old expired tokens are pruned; live ones stay.
      const mine = await db.kysely
        .selectFrom('refresh_tokens')
        .innerJoin('users', 'users.id', 'refresh_tokens.user_id')
        .select('refresh_tokens.id')
        .where('users.email', '=', email)
        .orderBy('refresh_tokens.created_at')
        .execute();
      const [old, ...live] = mine.map((r) => r.id);
      await db.kysely
        .updateTable('refresh_tokens')
        .set({ expires_at: new Date(Date.now() - 3 * 24 * 3600 * 1000) })
        .where('id', '=', old ?? '')
        .execute();
      expect(await identity.accounts.pruneExpiredTokens()).toBeGreaterThanOrEqual(1);
      const left = await db.kysely
        .selectFrom('refresh_tokens')
        .select('id')
        .where(
          'id',
          'in',
          mine.map((r) => r.id),
        )
        .execute();
      expect(left.map((r) => r.id).sort()).toEqual([...live].sort());
      expect(live.length).toBeGreaterThan(0);
      expect(stored.map((r) => r.token_hash)).not.toContain(tokens.refreshToken);
    }
  });

  it('locks an account after five wrong passwords, and an address after many failures', async () => {
    const { identity } = ctx();
    {
      const email = `l.${unique()}@example.test`;
      await identity.accounts.register({ email, password: 'a-long-password' });
      for (let i = 0; i < 5; i++) {
        expect(
          await code(
            identity.accounts.login({ email, password: 'wrong-password', ip: `1.1.1.${i}` }),
          ),
        ).toBe('unauthenticated');
      }
      // Locked: even the right password is refused for now.
      expect(
        await code(identity.accounts.login({ email, password: 'a-long-password', ip: '1.1.2.1' })),
      ).toBe('rate_limited');
      // Per address: 20 failures against unknown accounts, then the address waits.
      for (let i = 0; i < 20; i++) {
        await code(
          identity.accounts.login({
            email: `nobody${i}@example.test`,
            password: 'x'.repeat(10),
            ip: '9.9.9.9',
          }),
        );
      }
      expect(
        await code(identity.accounts.login({ email, password: 'a-long-password', ip: '9.9.9.9' })),
      ).toBe('rate_limited');
    }
  });

  it('changes passwords and resets them with a one-time token; old logins end', async () => {
    const { identity } = ctx();
    {
      const email = `p.${unique()}@example.test`;
      const { user, tokens } = await identity.accounts.register({
        email,
        password: 'first-password',
      });
      expect(
        await code(identity.accounts.changePassword(user.id, 'wrong-one!', 'second-password')),
      ).toBe('permission_denied');
      await identity.accounts.changePassword(user.id, 'first-password', 'second-password');
      expect(await code(identity.accounts.refresh(tokens.refreshToken))).toBe('unauthenticated');
      expect(
        await code(identity.accounts.login({ email, password: 'first-password', ip: 'a' })),
      ).toBe('unauthenticated');
      const reset = await identity.accounts.createPasswordReset(email);
      expect(reset?.token).toBeTruthy();
      expect(await identity.accounts.createPasswordReset('nobody@example.test')).toBeUndefined();
      await identity.accounts.confirmPasswordReset(reset!.token, 'third-password');
      expect(
        await code(identity.accounts.confirmPasswordReset(reset!.token, 'fourth-password')),
      ).toBe('invalid_argument');
      expect(
        await code(identity.accounts.login({ email, password: 'third-password', ip: 'a' })),
      ).toBe('ok');
    }
  });

  it('keeps profiles, and admins change roles and disable accounts', async () => {
    const { identity } = ctx();
    {
      const email = `a.${unique()}@example.test`;
      const { user, tokens } = await identity.accounts.register({
        email,
        password: 'a-long-password',
      });
      const updated = await identity.accounts.updateProfile(user.id, {
        name: 'Ada',
        avatarUrl: 'https://img.example.test/a.png',
        preferences: { captions: { fontSize: 18 }, language: 'en' },
      });
      expect(updated).toMatchObject({ name: 'Ada', preferences: { captions: { fontSize: 18 } } });
      const promoted = await identity.accounts.updateUser(user.id, {
        roles: ['student', 'lecturer'],
      });
      expect(promoted.roles).toEqual(['student', 'lecturer']);
      // Role changes end current logins, so the next token carries the new roles.
      expect(await code(identity.accounts.refresh(tokens.refreshToken))).toBe('unauthenticated');
      const fresh = await identity.accounts.login({ email, password: 'a-long-password', ip: 'b' });
      expect((await identity.verifier.verify(fresh.accessToken)).roles).toContain('lecturer');
      await identity.accounts.updateUser(user.id, { disabled: true });
      expect(
        await code(identity.accounts.login({ email, password: 'a-long-password', ip: 'b' })),
      ).toBe('permission_denied');
      const listed = await identity.accounts.listUsers({ limit: 10, offset: 0, query: email });
      expect(listed.map((u) => u.id)).toEqual([user.id]);
      expect(JSON.stringify(listed)).not.toContain('argon2');
      // LIKE wildcards in the query are literal.
      expect(await identity.accounts.listUsers({ limit: 10, offset: 0, query: '%' })).toEqual([]);
    }
  });

  it('seeds dev data idempotently and enforces course membership', async () => {
    const { db, identity } = ctx();
    {
      // A database shared between runs (PostgreSQL) may hold the seed already: both are fine.
      await seedDevData(identity);
      const again = await seedDevData(identity);
      expect(again.created).toEqual([]);
      const [lecturerRow, student1Row, student2Row] = [DEV_USERS[0], DEV_USERS[1], DEV_USERS[2]];
      const principalOf = async (u: (typeof DEV_USERS)[number]): Promise<Principal> => {
        const t = await identity.accounts.login({
          email: u.email,
          password: u.password,
          ip: 'seed',
        });
        return identity.verifier.verify(t.accessToken);
      };
      const lecturer = await principalOf(lecturerRow);
      const student1 = await principalOf(student1Row);
      const student2 = await principalOf(student2Row);
      const { policy } = identity;
      expect(await policy.courseIdsVisibleTo(student1)).toContain(DEV_COURSE.id);
      expect(await policy.courseIdsVisibleTo(student2)).not.toContain(DEV_COURSE.id);
      expect(await policy.assertCourseMember(student1, DEV_COURSE.id)).toBe('student');
      expect(await code(policy.assertCourseMember(student2, DEV_COURSE.id))).toBe(
        'permission_denied',
      );
      expect(await code(policy.assertCourseMember(student1, 'no-such-course'))).toBe('not_found');
      expect(await code(policy.assertCourseLecturer(student1, DEV_COURSE.id))).toBe(
        'permission_denied',
      );
      expect(await code(policy.assertCanStartLiveSession(lecturer, DEV_COURSE.id))).toBe('ok');
      expect(await code(policy.assertCanStartLiveSession(student1, DEV_COURSE.id))).toBe(
        'permission_denied',
      );
      const session = { course_id: DEV_COURSE.id, created_by: lecturer.userId };
      expect(await code(policy.assertCanViewSession(student1, session))).toBe('ok');
      expect(await code(policy.assertCanViewSession(student2, session))).toBe('permission_denied');
      expect(await code(policy.assertCanControlSession(student1, session))).toBe(
        'permission_denied',
      );
      expect(await code(policy.assertCanControlSession(lecturer, session))).toBe('ok');
      expect(() => policy.assertConversationOwner(student2, { owner_id: student1.userId })).toThrow(
        AppError,
      );
      // Joining with the invite code makes student2 a member; a second join changes nothing.
      const joined = await identity.courses.join(student2, DEV_COURSE.inviteCode.toLowerCase());
      expect(joined).toMatchObject({ id: DEV_COURSE.id, role: 'student' });
      expect(joined.inviteCode).toBeUndefined();
      await identity.courses.join(student2, DEV_COURSE.inviteCode);
      expect(await policy.assertCourseMember(student2, DEV_COURSE.id)).toBe('student');
      // Undo for databases shared between runs.
      await db.kysely
        .deleteFrom('course_members')
        .where('course_id', '=', DEV_COURSE.id)
        .where('user_id', '=', student2.userId)
        .execute();
      // Lecturers create courses (and lead them); students do not.
      expect(await code(identity.courses.create(student1, { title: 'Nope' }))).toBe(
        'permission_denied',
      );
      const created = await identity.courses.create(lecturer, { title: `Chem ${unique()}` });
      expect(created.inviteCode).toMatch(/^[A-Z2-9]{8}$/);
      const members = await identity.courses.members(lecturer, created.id);
      expect(members).toEqual([
        expect.objectContaining({ userId: lecturer.userId, role: 'lecturer' }),
      ]);
      expect(await code(identity.courses.members(student1, DEV_COURSE.id))).toBe(
        'permission_denied',
      );
    }
  });
}
