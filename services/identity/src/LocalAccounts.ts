import { AppError, type LocalTokenIssuer, type Logger, type Principal, type Role } from '@lm/kit';
import type { Db, UsersTable } from '@lm/db';
import type { Selectable } from 'kysely';
import { LoginRateLimiter } from './LoginRateLimiter.js';
import { PasswordHasher } from './PasswordHasher.js';
import { hashToken, newId, newOpaqueToken } from './secrets.js';
import { PASSWORD_MAX, PASSWORD_MIN, toProfile, type UserProfile } from './UserProfile.js';

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds the access token is valid. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export interface LocalAccountsOptions {
  db: Db;
  /** Signs access tokens in embedded mode; undefined in Keycloak mode (no local logins). */
  issuer: LocalTokenIssuer | undefined;
  logger: Logger;
  hasher?: PasswordHasher;
  rateLimiter?: LoginRateLimiter;
  refreshTokenTtlSeconds?: number;
  passwordResetTtlSeconds?: number;
  /** Failed logins in a row before an account is locked. */
  maxFailedLogins?: number;
  lockoutSeconds?: number;
  /** The client id written into access tokens (`azp`). */
  clientId?: string;
}

export interface NewUser {
  email: string;
  password: string;
  name?: string | undefined;
  roles?: Role[];
}

export interface ProfilePatch {
  name?: string | undefined;
  avatarUrl?: string | null | undefined;
  preferences?: Record<string, unknown> | undefined;
}

export interface UserPatch {
  roles?: Role[] | undefined;
  disabled?: boolean | undefined;
}

/**
 * Local accounts for the embedded mode: argon2id passwords, access tokens from the local issuer
 * (shaped like Keycloak's), opaque refresh tokens stored hashed and rotated on every use — a
 * reused refresh token revokes its whole family, since only a thief replays an old one.
 */
export class LocalAccounts {
  private readonly hasher: PasswordHasher;
  readonly rateLimiter: LoginRateLimiter;
  private readonly refreshTtl: number;
  private readonly resetTtl: number;
  private readonly maxFailed: number;
  private readonly lockoutSeconds: number;

  constructor(private readonly options: LocalAccountsOptions) {
    this.hasher = options.hasher ?? new PasswordHasher();
    this.rateLimiter = options.rateLimiter ?? new LoginRateLimiter();
    this.refreshTtl = options.refreshTokenTtlSeconds ?? 30 * 24 * 3600;
    this.resetTtl = options.passwordResetTtlSeconds ?? 3600;
    this.maxFailed = options.maxFailedLogins ?? 5;
    this.lockoutSeconds = options.lockoutSeconds ?? 15 * 60;
  }

  private get db() {
    return this.options.db.kysely;
  }

  /** Self-service registration: always a student; other roles are granted by an admin. */
  async register(input: { email: string; password: string; name?: string | undefined }): Promise<{
    user: UserProfile;
    tokens: TokenPair;
  }> {
    const user = await this.createUser({ ...input, roles: ['student'] });
    const tokens = await this.issueTokens(user, newId());
    this.options.logger.info({ user: user.id }, 'account registered');
    return { user, tokens };
  }

  /** Creates a local account (seed, create-admin, register). `already_exists` on a taken e-mail. */
  async createUser(input: NewUser): Promise<UserProfile> {
    const email = normaliseEmail(input.email);
    checkPassword(input.password);
    const existing = await this.findByEmail(email);
    if (existing) throw new AppError('already_exists', 'An account with this e-mail exists');
    const passwordHash = await this.hasher.hash(input.password);
    const row = await this.db
      .insertInto('users')
      .values({
        id: newId(),
        email,
        username: email,
        name: input.name ?? '',
        avatar_url: null,
        preferences: '{}',
        roles: JSON.stringify(input.roles ?? ['student']),
        password_hash: passwordHash,
        source: 'local',
        password_changed_at: new Date(),
        updated_at: new Date(),
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('already_exists', 'An account with this e-mail exists');
    return toProfile(row);
  }

  /**
   * A user with a fixed id (dev seed, shared with the Keycloak realm): with a password when
   * `local`, otherwise a Keycloak-backed row.
   */
  async insertSeedUser(input: NewUser & { id: string; local: boolean }): Promise<void> {
    const email = normaliseEmail(input.email);
    await this.db
      .insertInto('users')
      .values({
        id: input.id,
        email,
        username: input.local ? email : (email.split('@')[0] ?? email),
        name: input.name ?? '',
        avatar_url: null,
        preferences: '{}',
        roles: JSON.stringify(input.roles ?? ['student']),
        password_hash: input.local ? await this.hasher.hash(input.password) : null,
        source: input.local ? 'local' : 'keycloak',
        password_changed_at: input.local ? new Date() : null,
        updated_at: new Date(),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async login(input: { email: string; password: string; ip: string }): Promise<TokenPair> {
    const wait = this.rateLimiter.retryAfterSeconds(input.ip);
    if (wait > 0) {
      throw new AppError('rate_limited', 'Too many failed logins from this address', {
        details: { retryAfterSeconds: wait },
      });
    }
    const email = normaliseEmail(input.email, false);
    const user = email ? await this.findByEmail(email) : undefined;
    if (!user?.password_hash) {
      await this.hasher.burn(input.password);
      this.rateLimiter.recordFailure(input.ip);
      throw invalidCredentials();
    }
    const now = new Date();
    if (user.locked_until && user.locked_until > now) {
      throw new AppError('rate_limited', 'Account temporarily locked after failed logins', {
        details: {
          retryAfterSeconds: Math.ceil((user.locked_until.getTime() - now.getTime()) / 1000),
        },
      });
    }
    const ok = await this.hasher.verify(user.password_hash, input.password);
    if (!ok) {
      this.rateLimiter.recordFailure(input.ip);
      const failed = user.failed_logins + 1;
      const lock = failed >= this.maxFailed;
      await this.db
        .updateTable('users')
        .set({
          failed_logins: lock ? 0 : failed,
          locked_until: lock ? new Date(now.getTime() + this.lockoutSeconds * 1000) : null,
        })
        .where('id', '=', user.id)
        .execute();
      if (lock) this.options.logger.warn({ user: user.id }, 'account locked after failed logins');
      throw invalidCredentials();
    }
    if (user.disabled) throw new AppError('permission_denied', 'This account is disabled');
    this.rateLimiter.recordSuccess(input.ip);
    if (user.failed_logins !== 0 || user.locked_until) {
      await this.db
        .updateTable('users')
        .set({ failed_logins: 0, locked_until: null })
        .where('id', '=', user.id)
        .execute();
    }
    this.options.logger.info({ user: user.id }, 'login');
    return this.issueTokens(toProfile(user), newId());
  }

  /** Trades a refresh token for a new pair; the old one is spent. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const tokenHash = hashToken(refreshToken);
    const row = await this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row || row.revoked_at) throw new AppError('unauthenticated', 'Refresh token is not valid');
    if (row.used_at) {
      await this.revokeFamily(row.family_id);
      this.options.logger.warn(
        { user: row.user_id, family: row.family_id },
        'refresh token reused: the whole login is revoked',
      );
      throw new AppError('unauthenticated', 'Refresh token was already used; log in again');
    }
    if (row.expires_at <= new Date())
      throw new AppError('unauthenticated', 'Refresh token expired; log in again');
    // Spend it atomically: of two concurrent refreshes with the same token only one wins.
    const spent = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: new Date() })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) {
      await this.revokeFamily(row.family_id);
      throw new AppError('unauthenticated', 'Refresh token was already used; log in again');
    }
    const user = await this.findById(row.user_id);
    if (!user || user.disabled) {
      await this.revokeFamily(row.family_id);
      throw new AppError('unauthenticated', 'Account is disabled');
    }
    return this.issueTokens(toProfile(user), row.family_id);
  }

  /** Ends the login the refresh token belongs to. Unknown tokens are ignored (logout is idempotent). */
  async logout(refreshToken: string): Promise<void> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .select(['family_id', 'user_id'])
      .where('token_hash', '=', hashToken(refreshToken))
      .executeTakeFirst();
    if (row) {
      await this.revokeFamily(row.family_id);
      this.options.logger.info({ user: row.user_id }, 'logout');
    }
  }

  async changePassword(
    userId: string,
    currentPassword: string,
    newPassword: string,
  ): Promise<void> {
    checkPassword(newPassword);
    const user = await this.findById(userId);
    if (!user?.password_hash) throw new AppError('not_found', 'No local account');
    if (!(await this.hasher.verify(user.password_hash, currentPassword)))
      throw new AppError('permission_denied', 'The current password is wrong');
    await this.setPassword(userId, newPassword);
    this.options.logger.info({ user: userId }, 'password changed');
  }

  /**
   * A one-time reset token for the account with this e-mail, or undefined when there is none.
   * There is no mail here: an admin/CLI hands the token over (callers must not reveal whether
   * the e-mail exists to anonymous askers).
   */
  async createPasswordReset(
    email: string,
  ): Promise<{ token: string; expiresAt: Date; userId: string } | undefined> {
    const normalised = normaliseEmail(email, false);
    const user = normalised ? await this.findByEmail(normalised) : undefined;
    if (!user || user.source !== 'local' || user.disabled) return undefined;
    const token = newOpaqueToken();
    const expiresAt = new Date(Date.now() + this.resetTtl * 1000);
    await this.db
      .insertInto('password_reset_tokens')
      .values({ token_hash: hashToken(token), user_id: user.id, expires_at: expiresAt })
      .execute();
    this.options.logger.info({ user: user.id }, 'password reset token created');
    return { token, expiresAt, userId: user.id };
  }

  async confirmPasswordReset(token: string, newPassword: string): Promise<void> {
    checkPassword(newPassword);
    const spent = await this.db
      .updateTable('password_reset_tokens')
      .set({ used_at: new Date() })
      .where('token_hash', '=', hashToken(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning(['user_id'])
      .executeTakeFirst();
    if (!spent) throw new AppError('invalid_argument', 'Reset token is not valid or has expired');
    await this.setPassword(spent.user_id, newPassword);
    this.options.logger.info({ user: spent.user_id }, 'password reset');
  }

  async profile(userId: string): Promise<UserProfile> {
    const user = await this.findById(userId);
    if (!user) throw new AppError('not_found', 'No such user');
    return toProfile(user);
  }

  async updateProfile(userId: string, patch: ProfilePatch): Promise<UserProfile> {
    const row = await this.db
      .updateTable('users')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.avatarUrl !== undefined ? { avatar_url: patch.avatarUrl } : {}),
        ...(patch.preferences !== undefined
          ? { preferences: JSON.stringify(patch.preferences) }
          : {}),
        updated_at: new Date(),
      })
      .where('id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such user');
    return toProfile(row);
  }

  async listUsers(options: {
    limit: number;
    offset: number;
    query?: string | undefined;
  }): Promise<UserProfile[]> {
    let q = this.db
      .selectFrom('users')
      .selectAll()
      .orderBy('email')
      .limit(options.limit)
      .offset(options.offset);
    if (options.query) {
      // Bound parameter; % and _ in the query are matched literally.
      const pattern = `%${options.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([eb('email', 'ilike', pattern), eb('name', 'ilike', pattern)]));
    }
    return (await q.execute()).map(toProfile);
  }

  async updateUser(userId: string, patch: UserPatch): Promise<UserProfile> {
    const row = await this.db
      .updateTable('users')
      .set({
        ...(patch.roles !== undefined ? { roles: JSON.stringify([...new Set(patch.roles)]) } : {}),
        ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such user');
    // New roles or a disabled account take effect at the next refresh: end current logins now.
    await this.revokeAllFor(userId);
    return toProfile(row);
  }

  /**
   * Keycloak mode: the user lives in Keycloak; keep a row (profile, preferences, admin listing)
   * keyed by the token's subject. Roles follow the token.
   */
  async ensureExternalUser(principal: Principal): Promise<UserProfile> {
    let email = (principal.email ?? `${principal.userId}@keycloak.invalid`).toLowerCase();
    const holder = await this.findByEmail(email);
    if (holder && holder.id !== principal.userId) {
      // The e-mail belongs to another row (a local account from an earlier embedded run, or a
      // Keycloak user whose e-mail moved): keep that row, key this one by its subject.
      this.options.logger.warn(
        { user: principal.userId },
        'e-mail already used by another user row',
      );
      email = `${principal.userId}@keycloak.invalid`;
    }
    const row = await this.db
      .insertInto('users')
      .values({
        id: principal.userId,
        email,
        username: principal.username || principal.userId,
        name: principal.name ?? '',
        avatar_url: null,
        preferences: '{}',
        roles: JSON.stringify(principal.roles),
        password_hash: null,
        source: 'keycloak',
        updated_at: new Date(),
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ roles: JSON.stringify(principal.roles), email }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toProfile(row);
  }

  /** Deletes refresh and reset tokens that expired over a day ago (run it now and then). */
  async pruneExpiredTokens(): Promise<number> {
    const cutoff = new Date(Date.now() - 24 * 3600 * 1000);
    const refresh = await this.db
      .deleteFrom('refresh_tokens')
      .where('expires_at', '<', cutoff)
      .executeTakeFirst();
    const reset = await this.db
      .deleteFrom('password_reset_tokens')
      .where('expires_at', '<', cutoff)
      .executeTakeFirst();
    return Number(refresh.numDeletedRows) + Number(reset.numDeletedRows);
  }

  private async setPassword(userId: string, password: string): Promise<void> {
    const passwordHash = await this.hasher.hash(password);
    await this.db
      .updateTable('users')
      .set({
        password_hash: passwordHash,
        password_changed_at: new Date(),
        failed_logins: 0,
        locked_until: null,
        updated_at: new Date(),
      })
      .where('id', '=', userId)
      .execute();
    // Whoever knew the old password may hold a refresh token: end every login.
    await this.revokeAllFor(userId);
  }

  private async issueTokens(user: UserProfile, familyId: string): Promise<TokenPair> {
    const issuer = this.options.issuer;
    if (!issuer) throw new AppError('failed_precondition', 'Local logins are off (Keycloak mode)');
    const accessToken = await issuer.issueAccessToken({
      userId: user.id,
      username: user.username,
      email: user.email,
      name: user.name || undefined,
      roles: user.roles,
      clientId: this.options.clientId ?? 'lm-web',
    });
    const refreshToken = newOpaqueToken();
    await this.db
      .insertInto('refresh_tokens')
      .values({
        id: newId(),
        token_hash: hashToken(refreshToken),
        family_id: familyId,
        user_id: user.id,
        expires_at: new Date(Date.now() + this.refreshTtl * 1000),
      })
      .execute();
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: issuer.accessTokenTtlSeconds,
      refreshToken,
      refreshExpiresIn: this.refreshTtl,
    };
  }

  private async revokeFamily(familyId: string): Promise<void> {
    await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: new Date() })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  private async revokeAllFor(userId: string): Promise<void> {
    await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: new Date() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async findByEmail(email: string): Promise<Selectable<UsersTable> | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async findById(id: string): Promise<Selectable<UsersTable> | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }
}

function invalidCredentials(): AppError {
  // One message for unknown e-mail and wrong password: no account enumeration.
  return new AppError('unauthenticated', 'E-mail or password is wrong');
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function normaliseEmail(email: string, strict: true): string;
function normaliseEmail(email: string, strict: false): string | undefined;
function normaliseEmail(email: string): string;
function normaliseEmail(email: string, strict = true): string | undefined {
  const value = email.trim().toLowerCase();
  if (value.length <= 254 && EMAIL.test(value)) return value;
  if (strict) throw new AppError('invalid_argument', 'Not a valid e-mail address');
  return undefined;
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new AppError(
      'invalid_argument',
      `A password has ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`,
      { details: { field: 'password', min: PASSWORD_MIN, max: PASSWORD_MAX } },
    );
  }
}
