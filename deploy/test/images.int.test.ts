// Every Dockerfile passes hadolint and keeps the image conventions (Node 22 bookworm slim,
// multi-stage, non-root, HEALTHCHECK, the shared .dockerignore).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Chart, REPO_ROOT } from './Chart.js';
import { DeployTools } from './DeployTools.js';

const tools = DeployTools.load();
const chart = new Chart(tools);
const dockerDir = join(REPO_ROOT, 'deploy', 'docker');
const images = readdirSync(dockerDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(dockerDir, entry.name, 'Dockerfile')))
  .map((entry) => entry.name)
  .sort();

describe('images', () => {
  it('finds the Dockerfiles', () => {
    // service: the shared recipe of the plain Node services (SERVICE build argument).
    expect(images).toEqual(expect.arrayContaining(['service', 'media', 'embedded', 'models']));
  });

  for (const name of images) {
    const dockerfile = join(dockerDir, name, 'Dockerfile');
    const text = readFileSync(dockerfile, 'utf8');

    it(`${name}: hadolint passes`, async () => {
      const result = await chart.exec(tools.hadolint, [
        '--no-color',
        '--config',
        join(dockerDir, '.hadolint.yaml'),
        dockerfile,
      ]);
      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    });

    it(`${name}: multi-stage on Node 22 bookworm slim, non-root, with a healthcheck decision`, () => {
      expect(text).toMatch(/^ARG NODE_IMAGE=node:22-bookworm-slim$/m);
      expect((text.match(/^FROM /gm) ?? []).length).toBeGreaterThanOrEqual(2);
      expect(text).toMatch(/^USER 10001:10001$/m);
      expect(text).toMatch(/^HEALTHCHECK /m);
    });

    it(`${name}: uses the shared .dockerignore`, () => {
      const ignore = readFileSync(join(dockerDir, name, 'Dockerfile.dockerignore'), 'utf8');
      expect(ignore.split('\n').slice(1).join('\n')).toBe(
        readFileSync(join(dockerDir, 'dockerignore.common'), 'utf8'),
      );
    });
  }

  it('the media images carry the mediasoup worker and point MEDIASOUP_WORKER_BIN at it', () => {
    for (const name of ['media', 'embedded']) {
      const text = readFileSync(join(dockerDir, name, 'Dockerfile'), 'utf8');
      expect(text).toContain('bash scripts/setup/mediasoup.sh');
      expect(text).toContain('MEDIASOUP_WORKER_BIN=/opt/mediasoup/mediasoup-worker');
    }
  });

  it('hadolint can fail (a Dockerfile with known problems is rejected)', async () => {
    const bad = join(REPO_ROOT, '.lm', 'deploy-test-bad.Dockerfile');
    const { mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    mkdirSync(join(REPO_ROOT, '.lm'), { recursive: true });
    writeFileSync(bad, 'FROM node:latest\nRUN cd /app && npm install\n');
    try {
      const result = await chart.exec(tools.hadolint, [
        '--no-color',
        '--config',
        join(dockerDir, '.hadolint.yaml'),
        bad,
      ]);
      expect(result.code).not.toBe(0);
      expect(result.stdout).toMatch(/DL3007|DL3003/);
    } finally {
      rmSync(bad, { force: true });
    }
  });
});
