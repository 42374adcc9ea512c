import { PassThrough } from 'node:stream';
import { createLogger } from '@lm/kit';
import { describe, expect, it } from 'vitest';
import { MediaSignalingHandler } from '../src/MediaSignalingHandler.js';
import { mediaRequestSchema } from '../src/signaling.js';

const logger = createLogger({ service: 'test', level: 'silent', destination: new PassThrough() });
const handler = new MediaSignalingHandler({ rooms: { getRoom: () => undefined }, logger });
const ctx = { sessionId: 's1', peerId: 'p1', role: 'publisher' as const };

describe('MediaSignalingHandler (no room needed)', () => {
  it('answers non-JSON with invalid_argument', async () => {
    expect(await handler.handle(ctx, '{oops')).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'invalid_argument', retryable: false },
    });
  });

  it('names the bad field of a malformed request and echoes its id', async () => {
    const response = await handler.handle(ctx, {
      id: 7,
      method: 'connectWebRtcTransport',
      transportId: 't',
    });
    expect(response).toMatchObject({ id: 7, ok: false, error: { code: 'invalid_argument' } });
    expect(!response.ok && response.error.message).toMatch(/dtlsParameters/);
  });

  it('rejects unknown methods', async () => {
    const response = await handler.handle(ctx, { id: 1, method: 'rmRf' });
    expect(response).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
  });

  it('answers not_found for a session without a room', async () => {
    const response = await handler.handle(ctx, { id: 'a', method: 'getRouterRtpCapabilities' });
    expect(response).toMatchObject({
      id: 'a',
      method: 'getRouterRtpCapabilities',
      ok: false,
      error: { code: 'not_found' },
    });
  });
});

describe('mediaRequestSchema', () => {
  it('accepts what mediasoup-client sends on produce, keeping extra fields', () => {
    const parsed = mediaRequestSchema.parse({
      id: 3,
      method: 'produce',
      transportId: 't1',
      kind: 'audio',
      rtpParameters: {
        mid: '0',
        codecs: [
          {
            mimeType: 'audio/opus',
            payloadType: 111,
            clockRate: 48000,
            channels: 2,
            parameters: { minptime: 10, useinbandfec: 1 },
            rtcpFeedback: [{ type: 'transport-cc', parameter: '' }],
          },
        ],
        headerExtensions: [
          { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4, encrypt: false, parameters: {} },
        ],
        encodings: [{ ssrc: 1111, dtx: false }],
        rtcp: { cname: 'abc', reducedSize: true },
      },
      appData: { source: 'mic' },
    });
    expect(parsed.method).toBe('produce');
    if (parsed.method !== 'produce') return;
    expect(parsed.rtpParameters.encodings?.[0]).toEqual({ ssrc: 1111, dtx: false });
  });

  it('bounds sizes so one message cannot be huge', () => {
    const codecs = Array.from({ length: 21 }, () => ({
      mimeType: 'audio/opus',
      payloadType: 100,
      clockRate: 48000,
    }));
    const result = mediaRequestSchema.safeParse({
      id: 1,
      method: 'produce',
      transportId: 't',
      kind: 'audio',
      rtpParameters: { codecs },
    });
    expect(result.success).toBe(false);
  });
});
