// The cluster manifests in k8s/ validate offline, and the kind config matches the kind example values.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_DIR, Chart, REPO_ROOT, kubeconformSummary } from './Chart.js';
import { DeployTools } from './DeployTools.js';

const tools = DeployTools.load();
const chart = new Chart(tools);
const k8sDir = join(REPO_ROOT, 'k8s');

function manifests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return manifests(path);
    return entry.name.endsWith('.yaml') && entry.name !== 'kind-config.yaml' ? [path] : [];
  });
}

describe('k8s/', () => {
  for (const file of manifests(k8sDir)) {
    it(`${relative(REPO_ROOT, file)} validates with kubeconform`, async () => {
      const result = await chart.validate(readFileSync(file, 'utf8'));
      const summary = kubeconformSummary(result.stdout);
      expect(result.stdout).not.toMatch(/is invalid|failed validation/);
      expect(summary.valid).toBeGreaterThan(0);
      expect(summary.invalid + summary.errors + summary.skipped).toBe(0);
      expect(result.code).toBe(0);
    });
  }

  it('the kind cluster maps every RTC port the kind values use, UDP and TCP', async () => {
    const yaml = await tools.yaml();
    const kind = yaml.parse(readFileSync(join(k8sDir, 'kind-config.yaml'), 'utf8')) as {
      kind: string;
      apiVersion: string;
      nodes: {
        extraPortMappings?: { containerPort: number; hostPort: number; protocol: string }[];
      }[];
    };
    expect(kind.kind).toBe('Cluster');
    expect(kind.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    const values = yaml.parse(readFileSync(join(CHART_DIR, 'ci', 'kind-values.yaml'), 'utf8')) as {
      media: { rtc: { minPort: number; maxPort: number; hostNetwork: boolean } };
    };
    expect(values.media.rtc.hostNetwork).toBe(true);
    const mapped = new Set(
      kind.nodes
        .flatMap((n) => n.extraPortMappings ?? [])
        .map((m) => `${m.protocol}/${m.hostPort}/${m.containerPort}`),
    );
    for (let port = values.media.rtc.minPort; port <= values.media.rtc.maxPort; port++) {
      for (const protocol of ['UDP', 'TCP'])
        expect(mapped.has(`${protocol}/${port}/${port}`), `${protocol} ${port}`).toBe(true);
    }
    expect(mapped.has('TCP/80/80')).toBe(true);
  });
});
