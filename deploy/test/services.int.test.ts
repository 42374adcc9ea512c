// Every service folder in services/ that is not a library (package.json "lm": {"kind": "library"})
// has an image (skaffold.yaml: its own deploy/docker/<name>/Dockerfile, or the shared
// deploy/docker/service/Dockerfile with SERVICE=<name>) and a chart entry that renders a
// Deployment; and the chart names no service that does not exist.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_DIR, Chart, REPO_ROOT } from './Chart.js';
import { DeployTools } from './DeployTools.js';
import { imageRecipes, recipeProblem, SHARED_DOCKERFILE } from './ServiceImages.js';

const tools = DeployTools.load();
const chart = new Chart(tools);

function deployableServices(): string[] {
  const root = join(REPO_ROOT, 'services');
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'package.json')))
    .filter((entry) => {
      const pkg = JSON.parse(readFileSync(join(root, entry.name, 'package.json'), 'utf8')) as {
        lm?: { kind?: string };
      };
      return pkg.lm?.kind !== 'library';
    })
    .map((entry) => entry.name)
    .sort();
}

async function chartServices(): Promise<string[]> {
  const yaml = await tools.yaml();
  const values = yaml.parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
    services: Record<string, unknown>;
  };
  return Object.keys(values.services).sort();
}

describe('services and their deployment', () => {
  const services = deployableServices();

  it('finds the deployable services', () => {
    expect(services).toEqual(expect.arrayContaining(['gateway', 'embedded']));
  });

  for (const name of services) {
    it(`${name}: has an image that runs services/${name}/src/main.ts`, async () => {
      const recipes = await imageRecipes(tools);
      expect(recipeProblem(name, recipes.get(`little-monster/${name}`))).toBeUndefined();
    });

    it(`${name}: has a chart entry that renders a Deployment`, async () => {
      expect(await chartServices()).toContain(name);
      const objects = await chart.objects(
        await chart.render(
          [join(CHART_DIR, 'ci', 'external-infra-values.yaml')],
          [`services.${name}.enabled=true`],
        ),
      );
      expect(
        objects.some(
          (o) => o.kind === 'Deployment' && o.metadata.name === `lm-little-monster-${name}`,
        ),
      ).toBe(true);
    });
  }

  it('the chart and the images name no service that is missing from services/ (once written)', async () => {
    const recipes = await imageRecipes(tools);
    const known = new Set(readdirSync(join(REPO_ROOT, 'services')));
    const planned = [
      'gateway',
      'media',
      'transcriber',
      'tutor',
      'speech',
      'library',
      'jobs',
      'embedded',
    ];
    for (const name of await chartServices()) {
      // A service of the design that is still being written may be missing; anything else is stale.
      expect(known.has(name) || planned.includes(name), `chart entry ${name}`).toBe(true);
      expect(recipeProblem(name, recipes.get(`little-monster/${name}`)), `image for ${name}`).toBe(
        undefined,
      );
    }
  });

  it('the recipe check can fail: a wrong SERVICE, or a Dockerfile that runs another main', () => {
    const shared = { image: 'little-monster/tutor', dockerfile: SHARED_DOCKERFILE };
    expect(recipeProblem('tutor', { ...shared, buildArgs: { SERVICE: 'tutor' } })).toBeUndefined();
    expect(recipeProblem('tutor', { ...shared, buildArgs: { SERVICE: 'speech' } })).toMatch(
      /SERVICE=speech/,
    );
    expect(recipeProblem('tutor', { ...shared, buildArgs: {} })).toMatch(/SERVICE=\(unset\)/);
    expect(
      recipeProblem('tutor', {
        image: 'little-monster/tutor',
        dockerfile: 'deploy/docker/media/Dockerfile',
        buildArgs: {},
      }),
    ).toMatch(/does not run services\/tutor/);
    expect(recipeProblem('tutor', undefined)).toMatch(/builds no image/);
  });

  it('every image of the shared Dockerfile is built for an existing service', async () => {
    for (const recipe of (await imageRecipes(tools)).values()) {
      if (recipe.dockerfile !== SHARED_DOCKERFILE) continue;
      const service = recipe.image.replace(/^little-monster\//, '');
      expect(recipeProblem(service, recipe), recipe.image).toBeUndefined();
    }
  });
});
