import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ModelUnavailableError } from '../ModelUnavailableError.js';
import { FETCH_COMMAND } from '../modelsDir.js';
import { resolveModelFile, type ResolveOptions } from '../resolveModel.js';
import { encodeWav16 } from './wav.js';

interface WhisperNodeLine {
  start: string;
  end: string;
  speech: string;
}
type WhisperNodeFn = (
  file: string,
  options: {
    modelPath: string;
    whisperOptions: { language: string; word_timestamps: boolean };
    shellOptions: { silent: boolean; async: boolean; cwd: string };
  },
) => Promise<WhisperNodeLine[] | undefined>;

export interface BatchWord {
  text: string;
  startMs: number;
  endMs: number;
}

export interface BatchTranscript {
  text: string;
  words: BatchWord[];
}

function parseClock(clock: string): number {
  const [h = '0', m = '0', s = '0'] = clock.split(':');
  return Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
}

/**
 * Batch transcription through `whisper-node` (the package the user named): it runs whisper.cpp's
 * `main` program, built from the package's bundled source by scripts/setup/models.sh, once per
 * call — so the model is loaded again for every file. Fine for uploads and recordings; live
 * streams use WhisperRecognizer (see docs/decisions/0002-whisper-runtime.md).
 */
export class WhisperNodeBatch {
  private constructor(
    readonly modelId: string,
    private readonly modelPath: string,
    private readonly whisper: WhisperNodeFn,
    private readonly cppDir: string,
  ) {}

  static async load(
    modelId = 'whisper-base',
    options: ResolveOptions = {},
  ): Promise<WhisperNodeBatch> {
    const modelPath = await resolveModelFile(modelId, 'ggml-model.bin', options);
    const pkgDir = dirname(createRequire(import.meta.url).resolve('whisper-node/package.json'));
    const cppDir = join(pkgDir, 'lib', 'whisper.cpp');
    // Importing whisper-node runs `make` synchronously (and exits the process if it fails) when
    // its binary is missing, so refuse early with the fix instead.
    if (!existsSync(join(cppDir, 'main'))) {
      throw new ModelUnavailableError(
        'whisper-node runtime',
        'runtime',
        `${cppDir}/main is not built; ${FETCH_COMMAND} builds it`,
      );
    }
    // It also changes the process's working directory on import; put it back.
    const cwd = process.cwd();
    const specifier = 'whisper-node'; // untyped CommonJS package
    const mod = (await import(specifier)) as { whisper: WhisperNodeFn };
    process.chdir(cwd);
    return new WhisperNodeBatch(modelId, modelPath, mod.whisper, cppDir);
  }

  async transcribe(pcm16k: Float32Array, language = 'en'): Promise<BatchTranscript> {
    const dir = await mkdtemp(join(tmpdir(), 'lm-whisper-node-'));
    const file = join(dir, 'audio.wav');
    const log = console.log;
    try {
      await writeFile(file, encodeWav16(pcm16k, 16_000));
      console.log = () => {}; // whisper-node prints a line per call
      const lines = await this.whisper(file, {
        modelPath: this.modelPath,
        whisperOptions: { language, word_timestamps: true },
        shellOptions: { silent: true, async: true, cwd: this.cppDir },
      });
      if (!lines)
        throw new ModelUnavailableError(
          this.modelId,
          'runtime',
          'whisper-node returned no transcript',
        );
      const words = lines
        .map((l) => ({
          text: l.speech.trim(),
          startMs: parseClock(l.start),
          endMs: parseClock(l.end),
        }))
        .filter((w) => w.text.length > 0);
      return { text: words.map((w) => w.text).join(' '), words };
    } finally {
      console.log = log;
      await rm(dir, { recursive: true, force: true });
    }
  }
}
