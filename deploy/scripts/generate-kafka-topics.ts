// Writes the chart's topic list (little-monster/files/kafka-topics.json) from the topic catalog
// in @lm/streams, so the chart renders one Strimzi KafkaTopic per catalog topic.
//   npx tsx deploy/scripts/generate-kafka-topics.ts          write the file
//   npx tsx deploy/scripts/generate-kafka-topics.ts --check  exit 1 when the file is out of date
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ChartTopicList } from './ChartTopicList.js';

const target = fileURLToPath(new URL('../little-monster/files/kafka-topics.json', import.meta.url));

const catalog = await ChartTopicList.loadCatalog();
const expected = ChartTopicList.render(catalog);
const check = process.argv.includes('--check');

if (check) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== expected) {
    process.stderr.write(
      `${target} is out of date: run npx tsx deploy/scripts/generate-kafka-topics.ts\n`,
    );
    process.exit(1);
  }
} else {
  await writeFile(target, expected);
  process.stdout.write(`wrote ${catalog.length} topics to ${target}\n`);
}
