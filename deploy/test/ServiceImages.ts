import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './Chart.js';
import type { DeployTools } from './DeployTools.js';

/** The Dockerfile the plain Node services share (build argument SERVICE). */
export const SHARED_DOCKERFILE = 'deploy/docker/service/Dockerfile';

export interface ImageRecipe {
  image: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
}

/**
 * How each image is built, as skaffold.yaml says (every profile): the one place that maps an
 * image to its Dockerfile and build arguments, so the checks follow what operators build.
 */
export async function imageRecipes(tools: DeployTools): Promise<Map<string, ImageRecipe>> {
  const yaml = await tools.yaml();
  const config = yaml.parse(readFileSync(join(REPO_ROOT, 'skaffold.yaml'), 'utf8')) as {
    profiles: {
      build: {
        artifacts: {
          image: string;
          docker: { dockerfile: string; buildArgs?: Record<string, string> };
        }[];
      };
    }[];
  };
  const recipes = new Map<string, ImageRecipe>();
  for (const profile of config.profiles) {
    for (const artifact of profile.build.artifacts) {
      recipes.set(artifact.image, {
        image: artifact.image,
        dockerfile: artifact.docker.dockerfile,
        buildArgs: artifact.docker.buildArgs ?? {},
      });
    }
  }
  return recipes;
}

/**
 * Why a recipe does not build services/<name> (undefined when it does): its own Dockerfile must
 * run services/<name>/src/main.ts; the shared one must be given SERVICE=<name>.
 */
export function recipeProblem(name: string, recipe: ImageRecipe | undefined): string | undefined {
  if (!recipe) return `skaffold.yaml builds no image little-monster/${name}`;
  const dockerfile = join(REPO_ROOT, recipe.dockerfile);
  if (!existsSync(dockerfile)) return `${recipe.dockerfile} does not exist`;
  if (!existsSync(join(REPO_ROOT, 'services', name, 'src', 'main.ts')))
    return `services/${name}/src/main.ts does not exist`;
  const text = readFileSync(dockerfile, 'utf8');
  if (recipe.dockerfile === SHARED_DOCKERFILE) {
    if (recipe.buildArgs.SERVICE !== name)
      return `${recipe.dockerfile} is built with SERVICE=${recipe.buildArgs.SERVICE ?? '(unset)'}`;
    if (!text.includes('services/${SERVICE}/src/main.ts'))
      return `${recipe.dockerfile} does not run services/\${SERVICE}/src/main.ts`;
    return undefined;
  }
  if (!text.includes(`"services/${name}/src/main.ts"`))
    return `${recipe.dockerfile} does not run services/${name}/src/main.ts`;
  return undefined;
}
