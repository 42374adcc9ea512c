import { onTestFinished } from 'vitest';
import { createLogger } from '@lm/kit';
import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { transcriptsTopic, type MemoryBus } from '@lm/streams';
import type { Recognizer } from '../../src/ports.js';
import type { CheckpointStore } from '../../src/SessionCheckpoints.js';
import { TranscriberService } from '../../src/TranscriberService.js';
import { LoudnessDetector } from './fakes.js';

/**
 * A started TranscriberService on `bus`, with the loudness stand-in for the VAD; the bus and the
 * service are closed when the test finishes.
 */
export async function startTestService(
  bus: MemoryBus,
  recognizer: Recognizer,
  checkpoints: CheckpointStore,
): Promise<TranscriberService> {
  const service = new TranscriberService({
    bus,
    recognizer,
    createDetector: () => new LoudnessDetector(),
    checkpoints,
    logger: createLogger({ service: 'transcriber-test', level: 'silent' }),
  });
  await service.start();
  onTestFinished(async () => {
    await bus.close();
    await service.close();
  });
  return service;
}

/** The finals published on `bus` from now on, as they come. */
export async function tailFinals(bus: MemoryBus): Promise<TranscriptSegment[]> {
  const finals: TranscriptSegment[] = [];
  await bus.tail(transcriptsTopic, (s) => {
    if (s.kind === SegmentKind.SEGMENT_KIND_FINAL) finals.push(s);
  });
  return finals;
}
