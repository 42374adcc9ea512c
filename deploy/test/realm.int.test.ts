// The chart imports the realm from deploy/keycloak/little-monster-realm.json: its copy, and the
// ConfigMap in k8s/keycloak, are the source byte for byte (npx tsx deploy/scripts/sync-realm.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RealmCopies } from '../scripts/RealmCopies.js';
import { CHART_DIR, Chart } from './Chart.js';
import { DeployTools } from './DeployTools.js';

const tools = DeployTools.load();
const chart = new Chart(tools);
const copies = RealmCopies.fromRepository();

describe('Keycloak realm', () => {
  it('the source realm exists', () => {
    expect(existsSync(copies.sourcePath), `${copies.sourcePath} (written with issue 7)`).toBe(true);
  });

  it('the chart copy and the k8s ConfigMap equal the source', () => {
    const source = readFileSync(copies.sourcePath, 'utf8');
    for (const { path, text } of copies.expected(source)) {
      expect(readFileSync(path, 'utf8'), `${path}: run npx tsx deploy/scripts/sync-realm.ts`).toBe(
        text,
      );
    }
  });

  it('the rendered realm ConfigMap carries the source verbatim, under the realm name the services use', async () => {
    const source = readFileSync(copies.sourcePath, 'utf8');
    const objects = await chart.objects(
      await chart.render([join(CHART_DIR, 'ci', 'full-bundled-values.yaml')]),
    );
    const configMap = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-keycloak-realm'),
    );
    expect(configMap?.data?.['little-monster-realm.json']).toBe(source.replace(/\n$/, ''));
    const config = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-config'),
    );
    expect(config?.data?.KEYCLOAK_REALM).toBe(RealmCopies.realmName(source));
  });

  it('the k8s ConfigMap validates with kubeconform', async () => {
    const result = await chart.validate(readFileSync(copies.configMapPath, 'utf8'));
    expect(result.stdout).toContain('Valid: 1');
    expect(result.code).toBe(0);
  });
});
