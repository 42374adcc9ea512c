import type { MessageHandler } from '../../src/index.js';
import type { SinkFile } from './SinkFile.js';
import type { TestEvent } from './testTopic.js';

/**
 * The consumer that is about to crash: records each message in the sink, and once it has recorded
 * `hangAfter` of them it never finishes the current one (so that message is handled but not
 * committed when the process dies, and must come again).
 */
export function doomedHandler(sink: SinkFile, hangAfter: number): MessageHandler<TestEvent> {
  let handled = 0;
  return async (_event, delivery) => {
    sink.append(delivery.id);
    handled++;
    if (handled >= hangAfter) await new Promise<never>(() => undefined);
  };
}
