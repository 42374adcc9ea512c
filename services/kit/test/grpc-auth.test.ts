import { describe, expect, it } from 'vitest';
import { Metadata } from '@grpc/grpc-js';
import {
  AppError,
  authenticateMetadata,
  callerOf,
  JwksTokenVerifier,
  LocalServiceTokenSource,
  LocalTokenIssuer,
  serviceMetadata,
} from '../src/index.js';

async function setup() {
  const issuer = await LocalTokenIssuer.create({
    issuer: 'http://127.0.0.1:1/auth',
    audience: 'lm-api',
  });
  const verifier = new JwksTokenVerifier({
    issuer: issuer.issuer,
    audience: 'lm-api',
    jwks: issuer.jwks(),
  });
  return { issuer, verifier };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

describe('gRPC caller identity', () => {
  it('reads a bearer token from the metadata; a local service token is a service principal', async () => {
    const { issuer, verifier } = await setup();
    const metadata = await serviceMetadata(new LocalServiceTokenSource(issuer, 'lm-tutor'));
    const principal = await authenticateMetadata(metadata, verifier);
    expect(principal).toMatchObject({
      kind: 'service',
      clientId: 'lm-tutor',
      username: 'service-account-lm-tutor',
    });
  });

  it('refuses missing, non-bearer and doubled authorization metadata', async () => {
    const { issuer, verifier } = await setup();
    const token = await new LocalServiceTokenSource(issuer, 'lm-tutor').token();
    expect(await codeOf(authenticateMetadata(new Metadata(), verifier))).toBe('unauthenticated');
    const basic = new Metadata();
    basic.set('authorization', `Basic ${token}`);
    expect(await codeOf(authenticateMetadata(basic, verifier))).toBe('unauthenticated');
    const doubled = new Metadata();
    doubled.add('authorization', `Bearer ${token}`);
    doubled.add('authorization', `Bearer ${token}`);
    expect(await codeOf(authenticateMetadata(doubled, verifier))).toBe('unauthenticated');
  });

  it('callerOf fails closed for a call that was not authenticated', () => {
    expect(() => callerOf(new Metadata())).toThrow(AppError);
  });

  it('caches a local service token until shortly before expiry', async () => {
    const { issuer } = await setup();
    const source = new LocalServiceTokenSource(issuer, 'lm-jobs');
    expect(await source.token()).toBe(await source.token());
  });
});
