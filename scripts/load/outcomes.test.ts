import { describe, expect, it } from 'vitest';
import { type Outcome, resultsTable, vitestShapedReport } from './outcomes.js';

const outcome = (scenario: Outcome['scenario'], result: Outcome['result']): Outcome => ({
  scenario,
  result,
  detail: result === 'FAILED' ? 'thresholds failed' : 'thresholds passed',
  seconds: 12.4,
  load: '1.20 1.30 1.40',
});

describe('vitestShapedReport', () => {
  it('counts passed, failed and skipped scenarios as test-summary.mjs reads them', () => {
    const report = vitestShapedReport([
      outcome('viewers', 'passed'),
      outcome('streams', 'FAILED'),
      outcome('tutor', 'skipped'),
      outcome('rest', 'passed'),
    ]);
    expect(report).toMatchObject({ numPassedTests: 2, numFailedTests: 1, numPendingTests: 1 });
    expect(report.loadSmoke).toHaveLength(4);
  });

  it('counts a run that could not start as a failure', () => {
    const report = vitestShapedReport([outcome('platform', 'FAILED')]);
    expect(report).toMatchObject({ numPassedTests: 0, numFailedTests: 1, numPendingTests: 0 });
  });
});

describe('resultsTable', () => {
  it('has one line per scenario with its load average, and the total time', () => {
    const table = resultsTable([outcome('streams', 'FAILED')], 'smoke', 71.6);
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^streams\s+FAILED\s+12\s+1\.20 1\.30 1\.40\s+thresholds failed$/);
    expect(lines[2]).toBe('smoke took 72 s');
  });
});
