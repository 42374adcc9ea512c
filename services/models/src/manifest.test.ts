import { describe, expect, it } from 'vitest';
import { buildInputs, loadManifest } from './manifest.js';

describe('model manifest', () => {
  it('pins every source by exact version and sha256, and every build names known sources', () => {
    const manifest = loadManifest();
    expect(manifest.models.map((m) => m.purpose)).toEqual(
      expect.arrayContaining([
        'speech-to-text',
        'voice activity detection',
        'text-to-speech',
        'sentence embeddings',
      ]),
    );
    for (const model of manifest.models) {
      const names = new Set(model.sources.map((s) => s.name));
      for (const file of model.files)
        for (const ref of buildInputs(file)) expect(names.has(ref)).toBe(true);
    }
  });
});
