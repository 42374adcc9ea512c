// A consumer in its own process, for the Kafka crash test: the test kills it with SIGKILL.
//   env: KAFKA_BROKERS, LM_TOPIC_PREFIX, DOOMED_GROUP, DOOMED_SINK, DOOMED_HANG_AFTER,
//        DOOMED_PARTITIONS, DOOMED_SESSION_TIMEOUT_MS, DOOMED_HOLD_BACK (1: a HoldingHandler
//        instead of the hanging handler)
// Prints "joined" on stdout once it has its partitions.
import { KafkaBus, jsonLogger } from '../../src/index.js';
import { doomedHandler } from './doomedHandler.js';
import { HoldingHandler } from './HoldingHandler.js';
import { SinkFile } from './SinkFile.js';
import { testTopic } from './testTopic.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};

const bus = new KafkaBus({
  brokers: env('KAFKA_BROKERS').split(','),
  topicPrefix: env('LM_TOPIC_PREFIX'),
  sessionTimeoutMs: Number(env('DOOMED_SESSION_TIMEOUT_MS')),
  heartbeatIntervalMs: 500,
  logger: jsonLogger('warn', { component: 'doomed-consumer' }),
});
const topic = testTopic(Number(env('DOOMED_PARTITIONS')));
const sink = new SinkFile(env('DOOMED_SINK'));
if (process.env.DOOMED_HOLD_BACK === '1') {
  const holding = new HoldingHandler((id) => sink.append(id));
  await bus.subscribe(
    topic,
    { group: env('DOOMED_GROUP'), fromBeginning: true, holdBack: holding.holdBack },
    holding.handler,
  );
} else {
  await bus.subscribe(
    topic,
    { group: env('DOOMED_GROUP'), fromBeginning: true },
    doomedHandler(sink, Number(env('DOOMED_HANG_AFTER'))),
  );
}
process.stdout.write('joined\n');
