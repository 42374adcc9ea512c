// The load-test runner behind `npm run load` and `npm run load:smoke` (via scripts/load.sh, which
// builds k6 first). It starts what the scenarios need on loopback — the embedded platform with a
// throw-away data dir, the speech service for the gRPC scenario — synthesises the test audio,
// runs each k6 scenario in loadtests/scenarios, and exits non-zero if any threshold failed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  LoadUsageError,
  type LoadOptions,
  type ScenarioName,
  parseLoadArgs,
} from './LoadOptions.js';
import { ManagedProcess, freePort } from './ManagedProcess.js';
import { makeTestAudio } from './testAudio.js';

const ROOT = resolve(import.meta.dirname, '../..');
const LOADTESTS = join(ROOT, 'loadtests');
const CACHE_DIR = process.env.LM_CACHE_DIR ?? join(homedir(), '.cache', 'little-monster');
const K6 = process.env.K6_BIN ?? join(CACHE_DIR, 'tools', 'bin', 'k6');

interface Size {
  vus: number;
  durationS: number;
  extra?: Record<string, string>;
}

/** Smoke sizes: every scenario briefly, small enough for a shared 2-core machine. */
const SMOKE: Record<ScenarioName, Size> = {
  viewers: { vus: 5, durationS: 10 },
  // One stream: the smoke checks the path and the targets at the smallest size (this 2-core
  // machine is at the caption target already with one, docs/loadtesting.md); capacity is
  // measured with `npm run load -- streams --vus N`.
  streams: { vus: 1, durationS: 10 },
  rest: { vus: 3, durationS: 8 },
  tutor: { vus: 1, durationS: 5 },
  grpc: { vus: 1, durationS: 6 },
  uploads: { vus: 1, durationS: 10, extra: { LM_UPLOADS: '1' } },
};
/** Full-run defaults (override with --vus / --duration). */
const FULL: Record<ScenarioName, Size> = {
  viewers: { vus: 50, durationS: 30 },
  streams: { vus: 4, durationS: 30 },
  rest: { vus: 20, durationS: 30 },
  tutor: { vus: 2, durationS: 30 },
  grpc: { vus: 2, durationS: 30 },
  uploads: { vus: 2, durationS: 30, extra: { LM_UPLOADS: '3' } },
};

/**
 * Routes a scenario needs that may not exist on every build of the gateway. A scenario whose
 * route answers 404 is reported as skipped (never as passed) with the reason.
 */
const REQUIRED_ROUTE: Partial<Record<ScenarioName, string>> = {
  tutor: '/api/tutor/chat',
  uploads: '/api/recordings',
};

async function missingRoute(target: string, scenario: ScenarioName): Promise<string | undefined> {
  const route = REQUIRED_ROUTE[scenario];
  if (route === undefined) return undefined;
  // Unauthenticated: an existing route answers 401, an unknown one 404.
  const res = await fetch(`${target}${route}`, {
    method: 'POST',
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status === 404
    ? `the gateway has no ${route} route (answers 404); nothing measured`
    : undefined;
}

interface Outcome {
  scenario: ScenarioName;
  result: 'passed' | 'FAILED' | 'skipped';
  detail: string;
  seconds: number;
  load: string;
}

function log(message: string): void {
  process.stderr.write(`[load] ${message}\n`);
}

function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

async function runK6(script: string, env: Record<string, string>): Promise<number> {
  const args = ['run', '--quiet', '--no-color'];
  for (const [name, value] of Object.entries(env)) args.push('-e', `${name}=${value}`);
  args.push(script);
  const child = spawn(K6, args, { cwd: LOADTESTS, stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? 1;
}

async function main(options: LoadOptions): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'lm-load-'));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(
    options.outDir ?? join(process.env.LM_DATA_DIR ?? join(ROOT, '.lm'), 'loadtests', stamp),
  );
  mkdirSync(outDir, { recursive: true });
  const started: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const p of started.reverse()) await p.stop();
    rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const outcomes: Outcome[] = [];
  try {
    log(`synthesising test audio with espeak-ng into ${work}`);
    const audio = makeTestAudio(work, 2);
    log(`test audio: ${(audio.durationMs / 1000).toFixed(1)} s of lecture speech`);

    let target = options.target;
    if (target === undefined) {
      const port = await freePort();
      const platform = new ManagedProcess(
        'embedded platform',
        join(ROOT, 'services/embedded/src/main.ts'),
        {
          ...process.env,
          GATEWAY_HOST: '127.0.0.1',
          GATEWAY_PORT: String(port),
          LM_DATA_DIR: join(work, 'data'),
          LM_MEDIA_ENABLED: 'false',
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        },
        join(outDir, 'platform.log'),
      );
      target = `http://127.0.0.1:${port}`;
      log(`starting the embedded platform at ${target} (log: ${join(outDir, 'platform.log')})`);
      platform.start();
      started.push(platform);
      const t0 = Date.now();
      await platform.waitReady(`${target}/readyz`, 180_000);
      log(`platform ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }

    for (const scenario of options.scenarios) {
      const base = options.mode === 'smoke' ? SMOKE[scenario] : FULL[scenario];
      const size: Size = {
        ...base,
        vus: options.vus ?? base.vus,
        durationS: options.durationS ?? base.durationS,
      };
      const t0 = Date.now();
      const unavailable = await missingRoute(target, scenario);
      if (unavailable !== undefined) {
        log(`${scenario}: SKIPPED — ${unavailable}`);
        outcomes.push({
          scenario,
          result: 'skipped',
          detail: unavailable,
          seconds: 0,
          load: loadAverage(),
        });
        continue;
      }
      const env: Record<string, string> = {
        LM_TARGET: target,
        LM_VUS: String(size.vus),
        LM_DURATION_S: String(size.durationS),
        LM_OUT_DIR: outDir,
        LM_AUDIO_PCM: audio.pcmPath,
        LM_AUDIO_WAV: audio.wavPath,
        ...size.extra,
      };
      let speech: ManagedProcess | undefined;
      if (scenario === 'grpc') {
        env.LM_PROTO_ROOT = join(ROOT, 'proto');
        env.LM_LOCAL_PROTO_ROOT = join(LOADTESTS, 'proto');
        if (options.grpcTarget !== undefined) {
          env.LM_GRPC_TARGET = options.grpcTarget;
        } else {
          // The embedded platform serves no gRPC: start the speech service on its own.
          const [grpcPort, opsPort] = [await freePort(), await freePort()];
          speech = new ManagedProcess(
            'speech service',
            join(ROOT, 'services/speech/src/main.ts'),
            {
              ...process.env,
              GRPC_HOST: '127.0.0.1',
              GRPC_PORT: String(grpcPort),
              OPS_HOST: '127.0.0.1',
              OPS_PORT: String(opsPort),
              LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
            },
            join(outDir, 'speech.log'),
          );
          log(`grpc: starting the speech service on 127.0.0.1:${grpcPort}`);
          speech.start();
          started.push(speech);
          await speech.waitReady(`http://127.0.0.1:${opsPort}/readyz`, 120_000);
          env.LM_GRPC_TARGET = `127.0.0.1:${grpcPort}`;
        }
      }
      log(`${scenario}: ${size.vus} VU(s), ${size.durationS} s (load average ${loadAverage()})`);
      const code = await runK6(join('scenarios', `${scenario}.js`), env);
      if (speech !== undefined) await speech.stop();
      const load = loadAverage();
      const seconds = (Date.now() - t0) / 1000;
      const detail =
        code === 0
          ? 'thresholds passed'
          : code === 99
            ? 'thresholds failed'
            : `k6 exited with ${code}`;
      outcomes.push({ scenario, result: code === 0 ? 'passed' : 'FAILED', detail, seconds, load });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  }

  const lines = [
    'scenario  result   seconds  load average after (1/5/15 min)  detail',
    ...outcomes.map(
      (o) =>
        `${o.scenario.padEnd(9)} ${o.result.padEnd(8)} ${o.seconds.toFixed(0).padStart(7)}  ${o.load.padEnd(32)} ${o.detail}`,
    ),
  ];
  const table = `${lines.join('\n')}\n`;
  writeFileSync(join(outDir, 'results.txt'), table);
  process.stdout.write(`\n${table}reports: ${outDir}\n`);
  return outcomes.some((o) => o.result === 'FAILED') ? 1 : 0;
}

try {
  process.exitCode = await main(parseLoadArgs(process.argv.slice(2)));
} catch (error) {
  if (error instanceof LoadUsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `load run failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
