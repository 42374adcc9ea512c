import type { Logger } from '@lm/kit';
import { SegmentKind } from '@lm/proto/transcript/v1/transcript';
import { transcriptsTopic, type Bus, type Subscription } from '@lm/streams';
import type { TranscriptStore } from './TranscriptStore.js';

/**
 * Stores every final from the transcripts topic. Its consumer group commits only after the
 * database write, so a crash redelivers, and the store's primary key keeps each final once.
 */
export class TranscriptPersister {
  private subscription: Subscription | undefined;
  stored = 0;

  constructor(
    private readonly bus: Bus,
    private readonly store: TranscriptStore,
    private readonly logger: Logger,
    private readonly group = 'lm-transcript-store',
  ) {}

  async start(): Promise<void> {
    await this.bus.ensureTopics([transcriptsTopic]);
    this.subscription = await this.bus.subscribe(
      transcriptsTopic,
      { group: this.group, fromBeginning: true, concurrency: 4 },
      async (segment) => {
        if (segment.kind !== SegmentKind.SEGMENT_KIND_FINAL) return;
        this.stored += await this.store.saveFinals([segment]);
      },
    );
    this.logger.info({ component: 'transcript-persister' }, 'storing finals');
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }
}
