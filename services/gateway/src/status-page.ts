import type { HealthReport } from '@lm/kit';

/** A plain HTML page telling a person whether the platform is up and what it runs on. */
export function renderStatusPage(input: {
  version: string;
  mode: string;
  startedAt: Date;
  readiness: HealthReport;
  components: { name: string; detail: string }[];
}): string {
  const rows = Object.entries(input.readiness.checks)
    .map(
      ([name, check]) =>
        `<tr><td>${escapeHtml(name)}</td><td class="${check.ok ? 'ok' : 'bad'}">${
          check.ok ? 'ready' : `failing: ${escapeHtml(check.error ?? '')}`
        }</td><td>${check.ms} ms</td></tr>`,
    )
    .join('');
  const components = input.components
    .map((c) => `<li><strong>${escapeHtml(c.name)}</strong>: ${escapeHtml(c.detail)}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Little Monster — status</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1b1b1f}
.ok{color:#116329}.bad{color:#a40e26}table{border-collapse:collapse}td,th{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left}
</style>
</head>
<body>
<h1>Little Monster</h1>
<p>Status: <strong class="${input.readiness.status === 'ok' ? 'ok' : 'bad'}">${
    input.readiness.status === 'ok' ? 'ready' : 'not ready'
  }</strong> · mode <code>${escapeHtml(input.mode)}</code> · version <code>${escapeHtml(
    input.version,
  )}</code> · up since ${input.startedAt.toISOString()}</p>
<h2>Readiness checks</h2>
<table><thead><tr><th>check</th><th>state</th><th>time</th></tr></thead><tbody>${
    rows || '<tr><td colspan="3">no checks registered</td></tr>'
  }</tbody></table>
<h2>Components</h2>
<ul>${components}</ul>
<p>Health endpoints: <a href="/livez">/livez</a> · <a href="/readyz">/readyz</a> · <a href="/metrics">/metrics</a> · <a href="/api/status">/api/status</a></p>
</body>
</html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
