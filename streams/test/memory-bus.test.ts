import { MemoryBus, type MemoryGroupMember } from '../src/index.js';
import { busContract } from './bus.contract.js';
import { doomedHandler } from './support/doomedHandler.js';
import { testTopic, type TestEvent } from './support/testTopic.js';

busContract('MemoryBus', {
  createBus: (prefix) => new MemoryBus({ topicPrefix: prefix }),
  // In one process, a crash is the member vanishing: nothing in flight is awaited or committed.
  startDoomedConsumer: async ({ bus, group, partitions, sink, hangAfter }) => {
    const member = (await bus.subscribe(
      testTopic(partitions),
      { group, fromBeginning: true },
      doomedHandler(sink, hangAfter),
    )) as MemoryGroupMember<TestEvent>;
    return { kill: () => member.crash() };
  },
  deliveryTimeoutMs: 5_000,
  quietMs: 50,
});
