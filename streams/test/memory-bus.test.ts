import { MemoryBus, type MemoryGroupMember } from '../src/index.js';
import { busContract } from './bus.contract.js';
import { doomedHandler } from './support/doomedHandler.js';
import { HoldingHandler } from './support/HoldingHandler.js';
import { testTopic, type TestEvent } from './support/testTopic.js';

busContract('MemoryBus', {
  createBus: (prefix) => new MemoryBus({ topicPrefix: prefix }),
  // In one process, a crash is the member vanishing: nothing in flight is awaited or committed.
  startDoomedConsumer: async ({ bus, group, partitions, sink, behaviour }) => {
    const holding = new HoldingHandler((id) => sink.append(id));
    const member = (await bus.subscribe(
      testTopic(partitions),
      behaviour.kind === 'hang'
        ? { group, fromBeginning: true }
        : { group, fromBeginning: true, holdBack: holding.holdBack },
      behaviour.kind === 'hang' ? doomedHandler(sink, behaviour.after) : holding.handler,
    )) as MemoryGroupMember<TestEvent>;
    return { kill: () => member.crash() };
  },
  deliveryTimeoutMs: 5_000,
  quietMs: 50,
  longHandlerMs: 100,
});
