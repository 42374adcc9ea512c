import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { KafkaBus, jsonLogger } from '../src/index.js';
import { busContract } from './bus.contract.js';

// Integration: a real broker, started by the test command (scripts/test.sh) or by hand with
// `bash scripts/infra/kafka.sh start && bash scripts/infra/kafka.sh wait`. No broker is a failure,
// never a skip.
const brokersValue = process.env.KAFKA_BROKERS ?? '';
if (brokersValue === '') {
  throw new Error(
    'KAFKA_BROKERS is not set: start Kafka (bash scripts/infra/kafka.sh start) and export KAFKA_BROKERS=127.0.0.1:19092',
  );
}
const brokers = brokersValue.split(',');
await assertReachable(brokers[0]!);

// Short session timeout (the broker minimum) so a killed consumer's partitions move quickly.
const SESSION_TIMEOUT_MS = 6_000;
// Quiet by default: the suite provokes dead letters and retries on purpose. LM_TEST_LOG_LEVEL=debug
// (or warn) shows the bus's and kafkajs's lines when a run needs explaining.
const levels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
const wanted = process.env.LM_TEST_LOG_LEVEL;
const logger = jsonLogger(levels.find((l) => l === wanted) ?? 'silent', {
  component: 'kafka-bus-test',
});
const doomedScript = fileURLToPath(new URL('./support/doomed-consumer.ts', import.meta.url));

busContract('KafkaBus', {
  createBus: (prefix) =>
    new KafkaBus({
      brokers,
      topicPrefix: prefix,
      clientId: 'lm-streams-contract',
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 200,
      logger,
    }),
  // A real crash: a consumer in a child process, killed with SIGKILL while a handler runs.
  startDoomedConsumer: async ({ prefix, group, partitions, sink, behaviour }) => {
    const child = spawn(process.execPath, ['--import', 'tsx', doomedScript], {
      env: {
        ...process.env,
        KAFKA_BROKERS: brokersValue,
        LM_TOPIC_PREFIX: prefix,
        DOOMED_GROUP: group,
        DOOMED_SINK: sink.path,
        ...(behaviour.kind === 'hang'
          ? { DOOMED_HANG_AFTER: String(behaviour.after) }
          : { DOOMED_HOLD_BACK: '1' }),
        DOOMED_PARTITIONS: String(partitions),
        DOOMED_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (data: Buffer) => {
        out += data.toString();
        if (out.includes('joined')) resolve();
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`doomed consumer exited before joining (code ${code}, signal ${signal})`)),
      );
    });
    return {
      kill: async () => {
        child.kill('SIGKILL');
        await exited;
      },
    };
  },
  deliveryTimeoutMs: 30_000,
  quietMs: 1_500,
  // Longer than the session timeout: without heartbeats during the handler the member would be
  // dropped from the group and the message redelivered.
  longHandlerMs: SESSION_TIMEOUT_MS + 2_500,
});

async function assertReachable(broker: string): Promise<void> {
  const [host, port] = broker.split(':');
  await new Promise<void>((resolve, reject) => {
    const socket = new Socket();
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new Error(
          `Kafka at ${broker} (KAFKA_BROKERS) is not reachable: ${why}. Start it with bash scripts/infra/kafka.sh start`,
        ),
      );
    };
    socket.setTimeout(3_000, () => fail('connection timed out'));
    socket.once('error', (error) => fail(error.message));
    socket.connect(Number(port), host!, () => {
      socket.destroy();
      resolve();
    });
  });
}
