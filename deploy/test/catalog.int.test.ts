// Every topic of the catalog in streams/ has a Strimzi KafkaTopic in the rendered chart, with the
// catalog's partition count; the chart's topic file is what the generator writes from the catalog.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChartTopicList } from '../scripts/ChartTopicList.js';
import { CHART_DIR, Chart } from './Chart.js';
import { DeployTools } from './DeployTools.js';

const chart = new Chart(DeployTools.load());

describe('Kafka topics from the catalog', () => {
  it('files/kafka-topics.json is up to date (npx tsx deploy/scripts/generate-kafka-topics.ts)', async () => {
    const catalog = await ChartTopicList.loadCatalog();
    const current = readFileSync(join(CHART_DIR, 'files', 'kafka-topics.json'), 'utf8');
    expect(current).toBe(ChartTopicList.render(catalog));
  });

  it('every catalog topic has a KafkaTopic with its partitions', async () => {
    const catalog = await ChartTopicList.loadCatalog();
    const objects = await chart.objects(
      await chart.render([join(CHART_DIR, 'ci', 'full-bundled-values.yaml')]),
    );
    const rendered = new Map(
      objects
        .filter((o) => o.kind === 'KafkaTopic')
        .map((o) => {
          const spec = o.spec as { topicName: string; partitions: number };
          return [spec.topicName, spec.partitions] as const;
        }),
    );
    expect(catalog.length).toBeGreaterThan(0);
    for (const topic of catalog) {
      expect(rendered.get(topic.name), topic.name).toBe(topic.partitions);
    }
    expect(rendered.size).toBe(catalog.length);
  });

  it('rejects a catalog in the wrong shape', () => {
    expect(() => ChartTopicList.validate([{ name: 'lm.x.v1', partitions: 0 }])).toThrow(
      /partitions/,
    );
    expect(() => ChartTopicList.validate([{ name: 'bad name', partitions: 1 }])).toThrow(/name/);
    expect(() => ChartTopicList.validate([])).toThrow(/topicCatalog/);
    const withDlq = ChartTopicList.validate([
      { name: 'lm.a.v1', partitions: 3, dlq: { name: 'lm.a.v1.dlq', partitions: 1 } },
    ]);
    expect(withDlq.map((t) => t.name)).toEqual(['lm.a.v1', 'lm.a.v1.dlq']);
  });
});
