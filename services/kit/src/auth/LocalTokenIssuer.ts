import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import type { Role } from './Principal.js';

export interface LocalIssuerOptions {
  /** `iss` of the tokens, e.g. http://127.0.0.1:8080/auth (the embedded gateway). */
  issuer: string;
  /** `aud` of access tokens. */
  audience: string;
  /** Where the signing key is kept across restarts; in memory when undefined. */
  keyFile?: string | undefined;
  accessTokenTtlSeconds?: number;
}

export interface IssueInput {
  userId: string;
  username: string;
  email?: string | undefined;
  name?: string | undefined;
  roles: Role[];
  clientId?: string;
}

const ALG = 'RS256';

/**
 * The embedded mode's identity provider: signs access tokens shaped like Keycloak's (iss, aud,
 * sub, exp, iat, jti, typ, azp, preferred_username, email, name, realm_access.roles) with an
 * RSA key, and publishes the JWKS, so services verify both the same way.
 */
export class LocalTokenIssuer {
  private constructor(
    private readonly options: LocalIssuerOptions,
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
  ) {}

  static async create(options: LocalIssuerOptions): Promise<LocalTokenIssuer> {
    if (options.keyFile && existsSync(options.keyFile)) {
      const stored = JSON.parse(readFileSync(options.keyFile, 'utf8')) as {
        private: JWK;
        public: JWK;
      };
      const privateKey = (await importJWK(stored.private, ALG)) as CryptoKey;
      return new LocalTokenIssuer(options, privateKey, stored.public);
    }
    const { privateKey, publicKey } = await generateKeyPair(ALG, {
      extractable: true,
      modulusLength: 2048,
    });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
    if (options.keyFile) {
      mkdirSync(dirname(options.keyFile), { recursive: true });
      const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG };
      writeFileSync(options.keyFile, JSON.stringify({ private: privateJwk, public: publicJwk }), {
        mode: 0o600,
      });
    }
    return new LocalTokenIssuer(options, privateKey, publicJwk);
  }

  get issuer(): string {
    return this.options.issuer;
  }

  get audience(): string {
    return this.options.audience;
  }

  get accessTokenTtlSeconds(): number {
    return this.options.accessTokenTtlSeconds ?? 900;
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }

  async issueAccessToken(
    input: IssueInput,
    ttlSeconds = this.accessTokenTtlSeconds,
  ): Promise<string> {
    return new SignJWT({
      typ: 'Bearer',
      azp: input.clientId ?? 'lm-web',
      preferred_username: input.username,
      ...(input.email ? { email: input.email } : {}),
      ...(input.name ? { name: input.name } : {}),
      realm_access: { roles: input.roles },
    })
      .setProtectedHeader({ alg: ALG, kid: this.publicJwk.kid ?? '', typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(input.userId)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.privateKey);
  }
}
