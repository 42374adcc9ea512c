import { describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry } from '@lm/kit';
import { MemoryBus } from '@lm/streams';
import { MemoryCheckpointStore } from '../src/SessionCheckpoints.js';
import { TranscriberMetrics } from '../src/TranscriberMetrics.js';
import { TranscriberService } from '../src/TranscriberService.js';

describe('TranscriberMetrics', () => {
  it('exports decode time, lag, audio decoded, failures and live streams', async () => {
    const registry = createMetricsRegistry('transcriber-test');
    const metrics = new TranscriberMetrics(registry);
    metrics.observe({
      kind: 'partial',
      decodeMs: 300,
      audioMs: 1500,
      lagMs: 700,
      failed: false,
      skipped: false,
      draft: false,
    });
    metrics.observe({
      kind: 'final',
      decodeMs: 400,
      audioMs: 2500,
      lagMs: 1200,
      failed: false,
      skipped: false,
      draft: false,
    });
    metrics.observe({
      kind: 'final',
      decodeMs: 50,
      audioMs: 2500,
      lagMs: 0,
      failed: true,
      skipped: false,
      draft: false,
    });
    // A final served by its closing partial: a lag, but no decode time and no audio decoded.
    metrics.observe({
      kind: 'final',
      decodeMs: 1,
      audioMs: 0,
      lagMs: 800,
      failed: false,
      skipped: true,
      draft: false,
    });
    // A partial on the draft model is counted under its own kind.
    metrics.observe({
      kind: 'partial',
      decodeMs: 100,
      audioMs: 1000,
      lagMs: 500,
      failed: false,
      skipped: false,
      draft: true,
    });
    const service = new TranscriberService({
      bus: new MemoryBus(),
      recognizer: { recognize: () => Promise.resolve([]) },
      createDetector: () => ({ frameSize: 512, probability: () => Promise.resolve(0) }),
      checkpoints: new MemoryCheckpointStore(),
      logger: createLogger({ service: 'transcriber-test', level: 'silent' }),
    });
    metrics.watch(service);

    const text = await registry.metrics();
    expect(text).toMatch(/lm_transcriber_decode_seconds_count\{[^}]*kind="partial"[^}]*\} 1/);
    expect(text).toMatch(/lm_transcriber_decode_seconds_count\{[^}]*kind="final"[^}]*\} 1\b/);
    expect(text).toMatch(/lm_transcriber_decode_seconds_sum\{[^}]*kind="final"[^}]*\} 0\.4\b/);
    expect(text).toMatch(/lm_transcriber_lag_seconds_sum\{[^}]*kind="final"[^}]*\} 2\b/);
    expect(text).toMatch(
      /lm_transcriber_decoded_audio_seconds_total\{[^}]*kind="final"[^}]*\} 2\.5\b/,
    );
    expect(text).toMatch(/lm_transcriber_decode_seconds_sum\{[^}]*kind="draft"[^}]*\} 0\.1\b/);
    expect(text).toMatch(/lm_transcriber_decode_seconds_count\{[^}]*kind="partial"[^}]*\} 1\b/);
    expect(text).toMatch(/lm_transcriber_decode_failures_total\{[^}]*\} 1\b/);
    expect(text).toMatch(/lm_transcriber_streams\{[^}]*\} 0\b/);
  });
});
