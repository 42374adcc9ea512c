// The load-test runner behind `npm run load` and `npm run load:smoke` (via scripts/load.sh, which
// builds k6 first). It starts what the scenarios need on loopback — the embedded platform with a
// throw-away data dir, the speech service for the gRPC scenario — synthesises the test audio,
// runs each k6 scenario in loadtests/scenarios, and exits non-zero if any threshold failed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LocalServiceTokenSource, LocalTokenIssuer, PLATFORM_AUDIENCE } from '@lm/kit';
import { ServiceProcess, freePort } from '@lm/kit/testing';
import {
  LoadUsageError,
  type LoadOptions,
  type ScenarioName,
  parseLoadArgs,
} from './LoadOptions.js';
import { type Outcome, resultsTable, vitestShapedReport } from './outcomes.js';
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

/**
 * Variables that switch a service from its embedded defaults to distributed mode (Kafka,
 * PostgreSQL, Keycloak, …). The throw-away platform never inherits them: the test command
 * exports them for its integration tests, and the smoke must measure the embedded platform (the
 * README's run command), not write into the test servers.
 */
const DISTRIBUTED_VARIABLES = [
  'KAFKA_BROKERS',
  'DATABASE_URL',
  'KEYCLOAK_URL',
  'KEYCLOAK_PUBLIC_URL',
  'KEYCLOAK_REALM',
  'LM_AUTH_ISSUER',
  'LM_AUTH_JWKS_URL',
  'LM_PUBLIC_URL',
  'QDRANT_URL',
  'OLLAMA_URL',
  'OLLAMA_HOST',
];

function embeddedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DISTRIBUTED_VARIABLES) delete env[name];
  return { ...env, ...extra };
}

/**
 * A service token for the gRPC scenario: the speech service only serves platform services
 * (withCallerIdentity). LM_GRPC_TOKEN wins (a Keycloak client-credentials token for a remote
 * target); for the throw-away platform the runner signs one with the platform's own key, shaped
 * like every embedded service's token (client `lm-loadtest`).
 */
async function grpcServiceToken(
  platformDataDir: string | undefined,
  target: string,
): Promise<string | undefined> {
  const given = process.env.LM_GRPC_TOKEN?.trim();
  if (given) return given;
  if (platformDataDir === undefined) return undefined;
  const keyFile = join(platformDataDir, 'keys', 'token-signing.json');
  // create() would make a new key where none exists: only ever read the platform's own.
  if (!existsSync(keyFile)) throw new Error(`the platform wrote no signing key at ${keyFile}`);
  const issuer = await LocalTokenIssuer.create({
    issuer: `${target}/auth`,
    audience: PLATFORM_AUDIENCE,
    keyFile,
  });
  return new LocalServiceTokenSource(issuer, 'lm-loadtest').token();
}

function log(message: string): void {
  process.stderr.write(`[load] ${message}\n`);
}

function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

/**
 * Runs one k6 script. `env` goes on the command line (-e, shown in the report's options);
 * `secrets` only into k6's process environment (k6 reads it into __ENV too), off `ps` and logs.
 */
async function runK6(
  script: string,
  env: Record<string, string>,
  secrets: Record<string, string> = {},
): Promise<number> {
  const args = ['run', '--quiet', '--no-color'];
  for (const [name, value] of Object.entries(env)) args.push('-e', `${name}=${value}`);
  args.push(script);
  const child = spawn(K6, args, {
    cwd: LOADTESTS,
    stdio: 'inherit',
    env: { ...process.env, ...secrets },
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? 1;
}

/**
 * Starts the speech service on loopback for the gRPC scenario, trusting the platform's issuer.
 * It goes into every list in `owners` (the run's, so a signal stops it; the scenario's, which
 * stops it when the scenario ends).
 */
async function startSpeech(
  target: string,
  outDir: string,
  owners: ServiceProcess[][],
): Promise<string> {
  const [grpcPort, opsPort] = [await freePort(), await freePort()];
  log(`grpc: starting the speech service on 127.0.0.1:${grpcPort}`);
  const speech = ServiceProcess.spawn({
    name: 'speech service',
    entry: join(ROOT, 'services/speech/src/main.ts'),
    env: embeddedEnv({
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(grpcPort),
      OPS_HOST: '127.0.0.1',
      OPS_PORT: String(opsPort),
      // Callers' tokens are verified against the platform's local issuer and its JWKS.
      LM_AUTH_ISSUER: `${target}/auth`,
      LM_AUTH_JWKS_URL: `${target}/api/auth/jwks.json`,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    }),
    logFile: join(outDir, 'speech.log'),
  });
  for (const list of owners) list.push(speech);
  await speech.ready(`http://127.0.0.1:${opsPort}/readyz`, 120_000);
  return `127.0.0.1:${grpcPort}`;
}

/** Runs one scenario; a failure to set it up is that scenario's failure, not the whole run's. */
async function runScenario(
  scenario: ScenarioName,
  options: LoadOptions,
  context: {
    target: string;
    platformDataDir: string | undefined;
    outDir: string;
    audio: { pcmPath: string; wavPath: string };
    /** The run's processes, stopped on a signal. */
    started: ServiceProcess[];
  },
): Promise<Outcome> {
  const base = options.mode === 'smoke' ? SMOKE[scenario] : FULL[scenario];
  const size: Size = {
    ...base,
    vus: options.vus ?? base.vus,
    durationS: options.durationS ?? base.durationS,
  };
  const { target, outDir } = context;
  const t0 = Date.now();
  const env: Record<string, string> = {
    LM_TARGET: target,
    LM_VUS: String(size.vus),
    LM_DURATION_S: String(size.durationS),
    LM_OUT_DIR: outDir,
    LM_AUDIO_PCM: context.audio.pcmPath,
    LM_AUDIO_WAV: context.audio.wavPath,
    ...size.extra,
  };
  const secrets: Record<string, string> = {};
  const helpers: ServiceProcess[] = [];
  try {
    const unavailable = await missingRoute(target, scenario);
    if (unavailable !== undefined) {
      log(`${scenario}: SKIPPED — ${unavailable}`);
      return { scenario, result: 'skipped', detail: unavailable, seconds: 0, load: loadAverage() };
    }
    if (scenario === 'grpc') {
      env.LM_PROTO_ROOT = join(ROOT, 'proto');
      env.LM_LOCAL_PROTO_ROOT = join(LOADTESTS, 'proto');
      // The embedded platform serves no gRPC: without --grpc-target, start the speech service.
      env.LM_GRPC_TARGET =
        options.grpcTarget ?? (await startSpeech(target, outDir, [helpers, context.started]));
      const token = await grpcServiceToken(context.platformDataDir, target);
      if (token === undefined)
        log('grpc: no service token (set LM_GRPC_TOKEN): the calls will be refused');
      else secrets.LM_GRPC_TOKEN = token;
    }
    log(`${scenario}: ${size.vus} VU(s), ${size.durationS} s (load average ${loadAverage()})`);
    const code = await runK6(join('scenarios', `${scenario}.js`), env, secrets);
    const detail =
      code === 0
        ? 'thresholds passed'
        : code === 99
          ? 'thresholds failed'
          : `k6 exited with ${code}`;
    const seconds = (Date.now() - t0) / 1000;
    return {
      scenario,
      result: code === 0 ? 'passed' : 'FAILED',
      detail,
      seconds,
      load: loadAverage(),
    };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    log(`${scenario}: FAILED — ${detail}`);
    const seconds = (Date.now() - t0) / 1000;
    return { scenario, result: 'FAILED', detail, seconds, load: loadAverage() };
  } finally {
    for (const helper of helpers) await helper.stop();
  }
}

async function main(options: LoadOptions): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'lm-load-'));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(
    options.outDir ?? join(process.env.LM_DATA_DIR ?? join(ROOT, '.lm'), 'loadtests', stamp),
  );
  mkdirSync(outDir, { recursive: true });
  const started: ServiceProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const p of started.reverse()) await p.stop();
    rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const runStarted = Date.now();
  const outcomes: Outcome[] = [];
  try {
    log(`synthesising test audio with espeak-ng into ${work}`);
    const audio = makeTestAudio(work, 2);
    log(`test audio: ${(audio.durationMs / 1000).toFixed(1)} s of lecture speech`);

    let target = options.target;
    let platformDataDir: string | undefined;
    if (target === undefined) {
      const port = await freePort();
      platformDataDir = join(work, 'data');
      target = `http://127.0.0.1:${port}`;
      log(`starting the embedded platform at ${target} (log: ${join(outDir, 'platform.log')})`);
      const platform = ServiceProcess.spawn({
        name: 'embedded platform',
        entry: join(ROOT, 'services/embedded/src/main.ts'),
        env: embeddedEnv({
          GATEWAY_HOST: '127.0.0.1',
          GATEWAY_PORT: String(port),
          LM_DATA_DIR: platformDataDir,
          LM_MEDIA_ENABLED: 'false',
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        }),
        logFile: join(outDir, 'platform.log'),
      });
      started.push(platform);
      const t0 = Date.now();
      await platform.ready(`${target}/readyz`, 180_000);
      log(`platform ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }

    for (const scenario of options.scenarios) {
      outcomes.push(
        await runScenario(scenario, options, { target, platformDataDir, outDir, audio, started }),
      );
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    log(`the run could not start: ${detail}`);
    outcomes.push({
      scenario: 'platform',
      result: 'FAILED',
      detail,
      seconds: 0,
      load: loadAverage(),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  }

  const table = resultsTable(
    outcomes,
    options.mode === 'smoke' ? 'smoke' : 'run',
    (Date.now() - runStarted) / 1000,
  );
  writeFileSync(join(outDir, 'results.txt'), table);
  if (options.summaryJson !== undefined) {
    mkdirSync(dirname(resolve(options.summaryJson)), { recursive: true });
    writeFileSync(
      options.summaryJson,
      `${JSON.stringify(vitestShapedReport(outcomes), null, 2)}\n`,
    );
  }
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
