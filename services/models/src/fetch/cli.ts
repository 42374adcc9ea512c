/**
 * Fetches (or with --check, only verifies) the models of the manifest into the models folder.
 *   tsx services/models/src/fetch/cli.ts [--check] [model-id ...]
 * Run by scripts/setup/models.sh; prints one line per model.
 */
import { mkdir } from 'node:fs/promises';
import { loadManifest } from '../manifest.js';
import { modelsDir } from '../modelsDir.js';
import { resolveModel } from '../resolveModel.js';
import { ModelFetcher } from './ModelFetcher.js';

const args = process.argv.slice(2);
const checkOnly = args.includes('--check');
const ids = args.filter((a) => !a.startsWith('--'));
const manifest = loadManifest();
const unknown = ids.filter((id) => !manifest.models.some((m) => m.id === id));
if (unknown.length > 0) {
  console.error(`unknown model id(s): ${unknown.join(', ')}`);
  process.exit(2);
}
const root = modelsDir();
await mkdir(root, { recursive: true });
const fetcher = new ModelFetcher(root, (line) => console.error(`  ${line}`));
let failed = 0;
for (const entry of manifest.models.filter((m) => ids.length === 0 || ids.includes(m.id))) {
  const started = Date.now();
  try {
    if (checkOnly) {
      await resolveModel(entry.id, { dir: root, fullCheck: true });
      console.error(`ok       ${entry.id}`);
    } else {
      const outcome = await fetcher.fetch(entry);
      console.error(
        `${outcome.padEnd(8)} ${entry.id} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
  } catch (err) {
    failed++;
    console.error(`FAILED   ${entry.id}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
console.error(`models in ${root}`);
process.exit(failed > 0 ? 1 : 0);
