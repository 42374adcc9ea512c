import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest, type Manifest, type ModelEntry } from './manifest.js';
import { ModelUnavailableError } from './ModelUnavailableError.js';
import { modelsDir } from './modelsDir.js';
import { sha256File } from './fileHash.js';

/** Records which (size, mtime) of each file was last hashed and found right, so loads stay fast. */
const STAMP = '.verified.json';

type Stamp = Record<string, { sha256: string; size: number; mtimeMs: number }>;

export interface ResolvedModel {
  id: string;
  /** The model's folder. */
  dir: string;
  /** Absolute path of each file, by its manifest name. */
  files: Record<string, string>;
  entry: ModelEntry;
}

export interface ResolveOptions {
  dir?: string;
  manifest?: Manifest;
  /** Hash every file even when the stamp says it was verified (the fetch step does this). */
  fullCheck?: boolean;
}

function readStamp(dir: string): Stamp {
  try {
    return JSON.parse(readFileSync(join(dir, STAMP), 'utf8')) as Stamp;
  } catch {
    return {};
  }
}

export function modelEntry(id: string, manifest: Manifest = loadManifest()): ModelEntry {
  const entry = manifest.models.find((m) => m.id === id);
  if (!entry) throw new ModelUnavailableError(id, 'unknown', 'no such model in the manifest');
  return entry;
}

/**
 * Finds a fetched model and checks it against the manifest. A file that is absent, of the wrong
 * size, or (when it changed since it was last verified) of the wrong sha256 throws a
 * ModelUnavailableError that names the model and the fetch command.
 */
export async function resolveModel(
  id: string,
  options: ResolveOptions = {},
): Promise<ResolvedModel> {
  const entry = modelEntry(id, options.manifest);
  const dir = join(options.dir ?? modelsDir(), id);
  const stamp = readStamp(dir);
  let stampChanged = false;
  const files: Record<string, string> = {};
  for (const file of entry.files) {
    const path = join(dir, file.name);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new ModelUnavailableError(id, 'missing', `${path} does not exist`);
    }
    if (stat.size !== file.size) {
      throw new ModelUnavailableError(
        id,
        'corrupt',
        `${path} has ${stat.size} bytes, expected ${file.size}`,
      );
    }
    const seen = stamp[file.name];
    const known =
      seen &&
      seen.sha256 === file.sha256 &&
      seen.size === stat.size &&
      seen.mtimeMs === stat.mtimeMs;
    if (options.fullCheck || !known) {
      const actual = await sha256File(path);
      if (actual !== file.sha256) {
        throw new ModelUnavailableError(
          id,
          'corrupt',
          `${path} has sha256 ${actual}, expected ${file.sha256}`,
        );
      }
      stamp[file.name] = { sha256: actual, size: stat.size, mtimeMs: stat.mtimeMs };
      stampChanged = true;
    }
    files[file.name] = path;
  }
  if (stampChanged) {
    try {
      writeFileSync(join(dir, STAMP), JSON.stringify(stamp, null, 2));
    } catch {
      // A read-only model folder is fine: the next load just hashes again.
    }
  }
  return { id, dir, files, entry };
}

/** The path of one file of a model (the first, when the model has one file). */
export async function resolveModelFile(
  id: string,
  name?: string,
  options?: ResolveOptions,
): Promise<string> {
  const resolved = await resolveModel(id, options);
  const fileName = name ?? resolved.entry.files[0]?.name;
  const path = fileName === undefined ? undefined : resolved.files[fileName];
  if (path === undefined)
    throw new ModelUnavailableError(id, 'unknown', `it has no file named ${String(name)}`);
  return path;
}
