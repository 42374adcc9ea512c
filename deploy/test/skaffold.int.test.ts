// skaffold.yaml is checked structurally (no skaffold binary can be installed here: the Go module
// proxy does not serve it): both profiles exist, every artifact builds a Dockerfile that exists,
// every image reaches the chart through setValueTemplates, and the values files exist.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_DIR, REPO_ROOT } from './Chart.js';
import { DeployTools } from './DeployTools.js';

interface Artifact {
  image: string;
  context: string;
  docker: { dockerfile: string };
}
interface Release {
  name: string;
  chartPath: string;
  namespace: string;
  valuesFiles: string[];
  setValueTemplates: Record<string, string>;
}
interface Profile {
  name: string;
  build: { artifacts: Artifact[] };
  manifests: { helm: { releases: Release[] } };
  deploy: { helm: unknown };
}

const tools = DeployTools.load();

async function load() {
  const yaml = await tools.yaml();
  const config = yaml.parse(readFileSync(join(REPO_ROOT, 'skaffold.yaml'), 'utf8')) as {
    apiVersion: string;
    kind: string;
    profiles: Profile[];
  };
  const values = yaml.parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
    services: Record<string, unknown>;
  };
  return { config, values };
}

describe('skaffold.yaml', () => {
  it('is a skaffold v4 Config with the dev and full profiles', async () => {
    const { config } = await load();
    expect(config.apiVersion).toMatch(/^skaffold\/v4beta\d+$/);
    expect(config.kind).toBe('Config');
    expect(config.profiles.map((p) => p.name)).toEqual(['dev', 'full']);
  });

  it('builds every artifact from a Dockerfile that exists, with the repository root as context', async () => {
    const { config } = await load();
    for (const profile of config.profiles) {
      for (const artifact of profile.build.artifacts) {
        expect(artifact.context).toBe('.');
        expect(
          existsSync(join(REPO_ROOT, artifact.docker.dockerfile)),
          artifact.docker.dockerfile,
        ).toBe(true);
      }
    }
  });

  it('hands every built image to the chart, at a key the chart has', async () => {
    const { config, values } = await load();
    for (const profile of config.profiles) {
      const release = profile.manifests.helm.releases[0];
      expect(release?.chartPath).toBe('deploy/little-monster');
      for (const file of release?.valuesFiles ?? [])
        expect(existsSync(join(REPO_ROOT, file)), file).toBe(true);
      const templates = release?.setValueTemplates ?? {};
      for (const artifact of profile.build.artifacts) {
        const variable = `{{.IMAGE_FULLY_QUALIFIED_${artifact.image.replace(/[^a-zA-Z0-9]/g, '_')}}}`;
        const keys = Object.entries(templates)
          .filter(([, value]) => value === variable)
          .map(([key]) => key);
        expect(keys, `${profile.name}: ${artifact.image}`).toHaveLength(1);
        const service = /^services\.([a-z-]+)\.image\.ref$/.exec(keys[0] ?? '');
        if (service?.[1]) expect(Object.keys(values.services)).toContain(service[1]);
        else expect(keys[0]).toBe('models.image.ref');
      }
    }
  });

  it('the full profile builds every service image of the chart, the dev profile the embedded one', async () => {
    const { config, values } = await load();
    const images = (name: string) =>
      config.profiles.find((p) => p.name === name)?.build.artifacts.map((a) => a.image) ?? [];
    for (const service of Object.keys(values.services).filter((s) => s !== 'embedded')) {
      expect(images('full')).toContain(`little-monster/${service}`);
    }
    expect(images('dev')).toEqual(['little-monster/embedded', 'little-monster/models']);
  });
});
