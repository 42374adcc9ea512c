import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id of @node-rs/argon2 (a const enum, which isolatedModules cannot read).
const ARGON2ID = 2;

export interface PasswordHasherOptions {
  /** KiB of memory per hash; OWASP's argon2id minimum is 19 MiB with two passes. */
  memoryCost?: number;
  timeCost?: number;
  parallelism?: number;
}

/** argon2id (memory-hard) hashing in PHC string form; parameters travel with each hash. */
export class PasswordHasher {
  private readonly options: Required<PasswordHasherOptions>;

  constructor(options: PasswordHasherOptions = {}) {
    this.options = {
      memoryCost: options.memoryCost ?? 19_456,
      timeCost: options.timeCost ?? 2,
      parallelism: options.parallelism ?? 1,
    };
  }

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: ARGON2ID, ...this.options });
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      // A malformed stored hash is a refusal, never an exception that reveals the hash.
      return false;
    }
  }

  /**
   * Verifies against a fixed hash when the account does not exist, so that a wrong e-mail and a
   * wrong password take the same time.
   */
  async burn(password: string): Promise<void> {
    this.dummy ??= await this.hash('not-a-real-password-only-for-timing');
    await this.verify(this.dummy, password);
  }

  private dummy: string | undefined;
}
