import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from '@lm/kit';
import type { DecodeObservation } from './DecodeScheduler.js';
import type { TranscriberService } from './TranscriberService.js';

/**
 * The transcriber's Prometheus metrics: decode time and lag by kind (partial/draft/final), audio
 * decoded (decode seconds over audio seconds is the real-time factor), live streams, segments
 * published. Operators scale on the lag: it grows when a replica carries more streams than its
 * cores decode in real time (partials are shed first, so finals' lag is the one to watch).
 */
export class TranscriberMetrics {
  private readonly decodeSeconds: Histogram<'kind'>;
  private readonly lagSeconds: Histogram<'kind'>;
  private readonly audioSeconds: Counter<'kind'>;
  private readonly failures: Counter;

  constructor(private readonly registry: Registry) {
    this.decodeSeconds = new Histogram({
      name: 'lm_transcriber_decode_seconds',
      help: 'Wall time of one whisper decode',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.lagSeconds = new Histogram({
      name: 'lm_transcriber_lag_seconds',
      help: 'Age of the newest audio in a decode when its result is ready (capture to text)',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.audioSeconds = new Counter({
      name: 'lm_transcriber_decoded_audio_seconds_total',
      help: 'Audio decoded (a partial decode re-reads its utterance, so this exceeds the audio received)',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'lm_transcriber_decode_failures_total',
      help: 'Decodes that failed (a final is retried up to three times)',
      registers: [registry],
    });
  }

  /** For TranscriberServiceOptions.onDecode. */
  readonly observe = (decode: DecodeObservation): void => {
    if (decode.failed) {
      this.failures.inc();
      return;
    }
    // Drafts (partials on the smaller model, decision 0025) are a kind of their own.
    const kind = decode.draft ? 'draft' : decode.kind;
    if (!decode.skipped) {
      this.decodeSeconds.observe({ kind }, decode.decodeMs / 1000);
      this.audioSeconds.inc({ kind }, decode.audioMs / 1000);
    }
    if (decode.lagMs > 0) this.lagSeconds.observe({ kind }, decode.lagMs / 1000);
  };

  /** Gauges read from the service when scraped. */
  watch(service: TranscriberService): void {
    new Gauge({
      name: 'lm_transcriber_streams',
      help: 'Live streams this replica transcribes',
      registers: [this.registry],
      collect() {
        this.set(service.stats.streams);
      },
    });
    new Gauge({
      name: 'lm_transcriber_segments_published',
      help: 'Segments published since start, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        const { published } = service.stats;
        this.set({ kind: 'partial' }, published.partial);
        this.set({ kind: 'final' }, published.final);
      },
    });
  }
}
