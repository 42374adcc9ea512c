// Copies the Keycloak realm (deploy/keycloak/little-monster-realm.json, the one source) into the
// places that must carry it verbatim: the chart (Helm reads files inside the chart only) and the
// realm ConfigMap in k8s/keycloak/ for a Keycloak run outside the chart.
//   npx tsx deploy/scripts/sync-realm.ts          write both copies
//   npx tsx deploy/scripts/sync-realm.ts --check  exit 1 when a copy differs from the source
import { readFile, writeFile } from 'node:fs/promises';
import { RealmCopies } from './RealmCopies.js';

const copies = RealmCopies.fromRepository();
const source = await readFile(copies.sourcePath, 'utf8').catch(() => {
  process.stderr.write(`missing realm source ${copies.sourcePath}\n`);
  process.exit(1);
});
const wanted = copies.expected(source);

if (process.argv.includes('--check')) {
  let stale = 0;
  for (const { path, text } of wanted) {
    if ((await readFile(path, 'utf8').catch(() => '')) !== text) {
      process.stderr.write(
        `${path} differs from ${copies.sourcePath}: run npx tsx deploy/scripts/sync-realm.ts\n`,
      );
      stale++;
    }
  }
  process.exit(stale === 0 ? 0 : 1);
}
for (const { path, text } of wanted) {
  await writeFile(path, text);
  process.stdout.write(`wrote ${path}\n`);
}
