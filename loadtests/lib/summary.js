// handleSummary for every scenario: the full k6 summary as JSON plus a short human-readable
// report (thresholds first, then the custom and per-endpoint metrics), both under LM_OUT_DIR.
import { OUT_DIR } from './config.js';

/** Trend statistics every scenario reports (p99 is what the fan-out target is about). */
export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)', 'count'];

function formatValue(metric, key, value) {
  if (metric.contains === 'time' && key !== 'count') return `${value.toFixed(1)}ms`;
  if (metric.type === 'rate' && key === 'rate') return `${(value * 100).toFixed(2)}%`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function metricLine(name, metric) {
  const parts = Object.entries(metric.values).map(
    ([key, value]) => `${key}=${formatValue(metric, key, value)}`,
  );
  return `  ${name.padEnd(56)} ${parts.join(' ')}`;
}

/** Renders the report; exported so that tests of the lib can check it without k6. */
export function textReport(scenario, data) {
  const lines = [];
  const metrics = data.metrics || {};
  const failed = [];
  lines.push(`Little Monster load test: ${scenario}`);
  lines.push(`  duration ${(data.state.testRunDurationMs / 1000).toFixed(1)} s`);
  lines.push('', 'Thresholds:');
  for (const [name, metric] of Object.entries(metrics)) {
    for (const [expr, result] of Object.entries(metric.thresholds || {})) {
      lines.push(`  ${result.ok ? 'PASS' : 'FAIL'}  ${name} ${expr}`);
      if (!result.ok) failed.push(`${name} ${expr}`);
    }
  }
  lines.push('', 'Platform metrics:');
  for (const [name, metric] of Object.entries(metrics)) {
    if (
      (name.startsWith('lm_') || name.startsWith('grpc_')) &&
      !name.startsWith('grpc_req_duration{')
    )
      lines.push(metricLine(name, metric));
  }
  lines.push('', 'Per endpoint (tagged sub-metrics) and k6 built-ins:');
  for (const [name, metric] of Object.entries(metrics)) {
    if (name.includes('{') && !name.startsWith('lm_') && !name.includes('expected_response'))
      lines.push(metricLine(name, metric));
  }
  for (const name of ['http_req_duration', 'http_req_failed', 'iterations', 'ws_sessions']) {
    if (metrics[name]) lines.push(metricLine(name, metrics[name]));
  }
  lines.push(
    '',
    failed.length === 0
      ? 'RESULT: all thresholds passed'
      : `RESULT: ${failed.length} threshold(s) failed`,
  );
  return `${lines.join('\n')}\n`;
}

/** Returns a handleSummary function for the named scenario. */
export function summaryFor(scenario) {
  return (data) => {
    const report = textReport(scenario, data);
    return {
      stdout: report,
      [`${OUT_DIR}/${scenario}-summary.json`]: JSON.stringify(data, null, 2),
      [`${OUT_DIR}/${scenario}-report.txt`]: report,
    };
  };
}
