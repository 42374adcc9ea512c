import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { parseTrustProxy } from '../src/config.js';

/** What a route sees as the client's address, for a request from `remote` with X-Forwarded-For. */
async function clientIp(setting: string, remote: string, forwardedFor: string): Promise<string> {
  const app = Fastify({ trustProxy: parseTrustProxy(setting) });
  app.get('/ip', (request) => ({ ip: request.ip }));
  const res = await app.inject({
    url: '/ip',
    remoteAddress: remote,
    headers: { 'x-forwarded-for': forwardedFor },
  });
  await app.close();
  return res.json<{ ip: string }>().ip;
}

describe('GATEWAY_TRUST_PROXY', () => {
  it('parses off, any and a list of proxies', () => {
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('10.0.0.0/8, 192.168.1.4')).toBe('10.0.0.0/8,192.168.1.4');
  });

  it('by default ignores X-Forwarded-For, so a client cannot pick its own address', async () => {
    expect(await clientIp('', '203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it('behind a trusted ingress, each client is told apart by its forwarded address', async () => {
    expect(await clientIp('10.0.0.0/8', '10.1.2.3', '198.51.100.1')).toBe('198.51.100.1');
    expect(await clientIp('10.0.0.0/8', '10.1.2.3', '198.51.100.2')).toBe('198.51.100.2');
    // A request not from the ingress keeps its own address.
    expect(await clientIp('10.0.0.0/8', '203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });
});
