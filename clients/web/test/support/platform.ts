import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestPlatform } from '@lm/embedded/testing';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Builds the web app if its sources changed (cached; the same script the setup runs). */
export function buildWebApp(): void {
  execFileSync('bash', [join(repoRoot, 'scripts/setup/web.sh')], { stdio: 'inherit' });
}

/** The embedded platform (serving the built app) on a free loopback port with its own data folder. */
export const startPlatform = (): ReturnType<typeof startTestPlatform> => startTestPlatform();
