import { describe, expect, it } from 'vitest';
import { Metadata } from '@grpc/grpc-js';
import {
  AppError,
  authenticateMetadata,
  callerOf,
  LocalServiceTokenSource,
  serviceMetadata,
} from '../src/index.js';
import { errorCode, localAuth } from '../src/testing/index.js';

describe('gRPC caller identity', () => {
  it('reads a bearer token from the metadata; a local service token is a service principal', async () => {
    const { issuer, verifier } = await localAuth();
    const metadata = await serviceMetadata(new LocalServiceTokenSource(issuer, 'lm-tutor'));
    const principal = await authenticateMetadata(metadata, verifier);
    expect(principal).toMatchObject({
      kind: 'service',
      clientId: 'lm-tutor',
      username: 'service-account-lm-tutor',
    });
  });

  it('refuses missing, non-bearer and doubled authorization metadata', async () => {
    const { issuer, verifier } = await localAuth();
    const token = await new LocalServiceTokenSource(issuer, 'lm-tutor').token();
    expect(await errorCode(authenticateMetadata(new Metadata(), verifier))).toBe('unauthenticated');
    const basic = new Metadata();
    basic.set('authorization', `Basic ${token}`);
    expect(await errorCode(authenticateMetadata(basic, verifier))).toBe('unauthenticated');
    const doubled = new Metadata();
    doubled.add('authorization', `Bearer ${token}`);
    doubled.add('authorization', `Bearer ${token}`);
    expect(await errorCode(authenticateMetadata(doubled, verifier))).toBe('unauthenticated');
  });

  it('callerOf fails closed for a call that was not authenticated', () => {
    expect(() => callerOf(new Metadata())).toThrow(AppError);
  });

  it('caches a local service token until shortly before expiry', async () => {
    const { issuer } = await localAuth();
    const source = new LocalServiceTokenSource(issuer, 'lm-jobs');
    expect(await source.token()).toBe(await source.token());
  });
});
