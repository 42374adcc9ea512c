import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';

describe('createLogger', () => {
  it('writes JSON with service and session fields and redacts secrets and audio', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
    const logger = createLogger({ service: 'test', destination: stream }).child({ session: 's-1' });
    logger.info(
      {
        password: 'hunter2',
        req: { headers: { authorization: 'Bearer abc.def.ghi' } },
        chunk: { pcm: 'AAAA' },
      },
      'hello',
    );
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ service: 'test', session: 's-1', msg: 'hello', level: 'info' });
    const raw = lines[0] ?? '';
    expect(raw).not.toContain('hunter2');
    expect(raw).not.toContain('abc.def.ghi');
    expect(raw).not.toContain('AAAA');
  });
});
