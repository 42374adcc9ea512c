import type { ScenarioName } from './LoadOptions.js';

/** What one scenario of a load run came to. */
export interface Outcome {
  /** A scenario, or `platform` when the run could not start at all. */
  scenario: ScenarioName | 'platform';
  result: 'passed' | 'FAILED' | 'skipped';
  detail: string;
  seconds: number;
  /** Load average (1/5/15 min) right after it: the figures mean little without it. */
  load: string;
}

/** The run's table: one line per scenario, then the total time. */
export function resultsTable(outcomes: readonly Outcome[], label: string, tookS: number): string {
  const lines = [
    'scenario  result   seconds  load average after (1/5/15 min)  detail',
    ...outcomes.map(
      (o) =>
        `${o.scenario.padEnd(9)} ${o.result.padEnd(8)} ${o.seconds.toFixed(0).padStart(7)}  ${o.load.padEnd(32)} ${o.detail}`,
    ),
    `${label} took ${tookS.toFixed(0)} s`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The outcomes in the shape of Vitest's JSON report totals, so that the test command's closing
 * line (scripts/test-summary.mjs) counts each scenario: passed, failed, skipped (pending).
 */
export function vitestShapedReport(outcomes: readonly Outcome[]): {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  loadSmoke: readonly Outcome[];
} {
  const count = (result: Outcome['result']): number =>
    outcomes.filter((o) => o.result === result).length;
  return {
    numPassedTests: count('passed'),
    numFailedTests: count('FAILED'),
    numPendingTests: count('skipped'),
    loadSmoke: outcomes,
  };
}
