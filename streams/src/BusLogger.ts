/**
 * The little a bus needs from a logger. A pino logger (what @lm/kit creates) fits as it is;
 * `jsonLogger` is the stand-alone default.
 */
export interface BusLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export type BusLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<BusLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** One JSON object per line on stderr (stdout may be a program's output, e.g. the bench table). */
export function jsonLogger(
  level: BusLogLevel = 'info',
  base: Record<string, unknown> = { component: 'streams' },
  write: (line: string) => void = (line) => process.stderr.write(line),
): BusLogger {
  const at =
    (name: Exclude<BusLogLevel, 'silent'>) =>
    (fields: Record<string, unknown>, message: string) => {
      if (RANK[name] < RANK[level]) return;
      write(
        `${JSON.stringify({ level: name, time: new Date().toISOString(), ...base, ...fields, msg: message })}\n`,
      );
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: BusLogger = jsonLogger('silent');
