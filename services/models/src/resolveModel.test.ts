import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManifestSchema, type Manifest } from './manifest.js';
import { ModelUnavailableError } from './ModelUnavailableError.js';
import { modelsDir } from './modelsDir.js';
import { resolveModel } from './resolveModel.js';

const CONTENT = Buffer.from('pretend weights');
const SHA = createHash('sha256').update(CONTENT).digest('hex');

const manifest: Manifest = ManifestSchema.parse({
  version: 1,
  models: [
    {
      id: 'tiny-test',
      purpose: 'test',
      runtime: 'none',
      description: 'a test entry',
      licence: 'MIT',
      sources: [
        {
          name: 's',
          registry: 'npm',
          package: 'x',
          version: '1.0.0',
          path: 'package/w.bin',
          sha256: SHA,
          size: CONTENT.length,
        },
      ],
      files: [
        { name: 'w.bin', sha256: SHA, size: CONTENT.length, build: { kind: 'copy', source: 's' } },
      ],
    },
  ],
});

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<ModelUnavailableError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelUnavailableError);
  return err as ModelUnavailableError;
}

describe('resolveModel', () => {
  it('names the model and the fetch command when the model is missing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lm-models-'));
    const err = await failure(resolveModel('tiny-test', { dir, manifest }));
    expect(err.problem).toBe('missing');
    expect(err.code).toBe('failed_precondition');
    expect(err.message).toContain('"tiny-test"');
    expect(err.message).toContain('bash scripts/setup/models.sh');
  });

  it('rejects a corrupt file (same size, other bytes) and accepts the right one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lm-models-'));
    mkdirSync(join(dir, 'tiny-test'));
    const path = join(dir, 'tiny-test', 'w.bin');
    writeFileSync(path, CONTENT);
    const ok = await resolveModel('tiny-test', { dir, manifest });
    expect(ok.files['w.bin']).toBe(path);

    const bad = Buffer.from(CONTENT);
    bad[0] = (bad[0] ?? 0) ^ 0xff;
    writeFileSync(path, bad);
    const err = await failure(resolveModel('tiny-test', { dir, manifest }));
    expect(err.problem).toBe('corrupt');
    expect(err.message).toContain('sha256');
    expect(err.message).toContain('bash scripts/setup/models.sh');
  });

  it('rejects a truncated file and an unknown id', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lm-models-'));
    mkdirSync(join(dir, 'tiny-test'));
    writeFileSync(join(dir, 'tiny-test', 'w.bin'), CONTENT.subarray(0, 4));
    expect((await failure(resolveModel('tiny-test', { dir, manifest }))).problem).toBe('corrupt');
    expect((await failure(resolveModel('nope', { dir, manifest }))).problem).toBe('unknown');
  });

  it('takes LM_MODELS_DIR over LM_CACHE_DIR', () => {
    expect(modelsDir({ LM_MODELS_DIR: '/m', LM_CACHE_DIR: '/c' })).toBe('/m');
    expect(modelsDir({ LM_CACHE_DIR: '/c' })).toBe('/c/models');
  });
});
