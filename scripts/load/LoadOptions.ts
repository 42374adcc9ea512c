import { isIP } from 'node:net';

export const SCENARIOS = ['viewers', 'streams', 'rest', 'tutor', 'grpc', 'uploads'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface LoadOptions {
  /** 'smoke' runs every scenario briefly; 'run' runs the named ones at full size. */
  mode: 'smoke' | 'run';
  scenarios: ScenarioName[];
  /** Gateway base URL; undefined = start the embedded platform on a free loopback port. */
  target: string | undefined;
  /** host:port of a gRPC speech service; undefined = start one on loopback. */
  grpcTarget: string | undefined;
  allowRemote: boolean;
  vus: number | undefined;
  durationS: number | undefined;
  outDir: string | undefined;
  /**
   * Where to write the scenario counts as a Vitest-shaped JSON report (numPassedTests, …), so
   * that the test command's summary (scripts/test-summary.mjs) counts each scenario.
   */
  summaryJson: string | undefined;
}

export class LoadUsageError extends Error {
  override readonly name = 'LoadUsageError';
}

const USAGE = `usage: npm run load -- <scenario…|all> [--target <url>] [--grpc-target <host:port>]
                  [--vus N] [--duration S] [--out DIR] [--summary-json FILE] [--allow-remote]
       npm run load:smoke [-- --summary-json FILE]
scenarios: ${SCENARIOS.join(', ')}`;

/** True for names and addresses that stay on this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1';
  return false;
}

function positive(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new LoadUsageError(`${flag} needs a positive integer`);
  return n;
}

/** Parses the runner's arguments; refuses non-loopback targets without --allow-remote. */
export function parseLoadArgs(args: readonly string[]): LoadOptions {
  const options: LoadOptions = {
    mode: 'run',
    scenarios: [],
    target: undefined,
    grpcTarget: undefined,
    allowRemote: false,
    vus: undefined,
    durationS: undefined,
    outDir: undefined,
    summaryJson: undefined,
  };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    const value = (): string => {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--'))
        throw new LoadUsageError(`${arg} needs a value\n${USAGE}`);
      i += 1;
      return next;
    };
    switch (arg) {
      case '--smoke':
        options.mode = 'smoke';
        break;
      case '--target':
        options.target = value().replace(/\/+$/, '');
        break;
      case '--grpc-target':
        options.grpcTarget = value();
        break;
      case '--allow-remote':
        options.allowRemote = true;
        break;
      case '--vus':
        options.vus = positive(arg, value());
        break;
      case '--duration':
        options.durationS = positive(arg, value());
        break;
      case '--out':
        options.outDir = value();
        break;
      case '--summary-json':
        options.summaryJson = value();
        break;
      case '--help':
        throw new LoadUsageError(USAGE);
      default:
        if (arg === 'all') options.scenarios.push(...SCENARIOS);
        else if ((SCENARIOS as readonly string[]).includes(arg))
          options.scenarios.push(arg as ScenarioName);
        else throw new LoadUsageError(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  if (options.mode === 'smoke' && options.scenarios.length === 0)
    options.scenarios = [...SCENARIOS];
  if (options.scenarios.length === 0) throw new LoadUsageError(`name a scenario\n${USAGE}`);
  if (options.target !== undefined) {
    let url: URL;
    try {
      url = new URL(options.target);
    } catch {
      throw new LoadUsageError(`--target ${options.target} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new LoadUsageError('--target must be an http(s) URL');
    }
    if (!options.allowRemote && !isLoopbackHost(url.hostname)) {
      throw new LoadUsageError(
        `--target ${url.hostname} is not a loopback address; load tests only hit remote systems with --allow-remote`,
      );
    }
  }
  if (options.grpcTarget !== undefined && !options.allowRemote) {
    const host = options.grpcTarget.replace(/:\d+$/, '');
    if (!isLoopbackHost(host)) {
      throw new LoadUsageError(
        `--grpc-target ${host} is not a loopback address; add --allow-remote`,
      );
    }
  }
  return options;
}
