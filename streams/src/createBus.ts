import type { Bus } from './Bus.js';
import { BusError } from './BusHandlerError.js';
import { jsonLogger, type BusLogger } from './BusLogger.js';
import { KafkaBus, type KafkaBusOptions, type KafkaClientLogLevel } from './kafka/KafkaBus.js';
import { MemoryBus, type MemoryBusOptions } from './memory/MemoryBus.js';

export interface BusConfig {
  /** Where settings come from (default process.env): KAFKA_BROKERS, LM_TOPIC_PREFIX, ... */
  env?: NodeJS.ProcessEnv;
  logger?: BusLogger;
  clientId?: string;
  /** Extra options for the in-memory bus (embedded mode). */
  memory?: Omit<MemoryBusOptions, 'topicPrefix' | 'logger'>;
  /** Extra options for Kafka; `brokers` comes from KAFKA_BROKERS. */
  kafka?: Omit<KafkaBusOptions, 'brokers' | 'topicPrefix' | 'logger'>;
}

/** Names the environment variable that is wrong, so start-up stops with a useful message. */
export class BusConfigError extends BusError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super('invalid_config', `${variable}: ${message}`);
  }
}

/**
 * The bus for this process: Kafka when KAFKA_BROKERS is set (distributed mode), else the in-memory
 * bus (embedded mode). Services get a Bus and never know which one.
 *
 *   KAFKA_BROKERS               host:port[,host:port...]
 *   LM_TOPIC_PREFIX             put in front of topic (and group) names; default none
 *   KAFKA_CLIENT_ID             default: the clientId given, else little-monster
 *   KAFKA_SESSION_TIMEOUT_MS    how fast a dead consumer's partitions move (default 10000)
 *   KAFKA_CLIENT_LOG_LEVEL      nothing|error|warn|info|debug for kafkajs's own lines (default warn)
 */
export function createBus(config: BusConfig = {}): Bus {
  const env = config.env ?? process.env;
  const logger = config.logger ?? jsonLogger('info');
  const topicPrefix = env.LM_TOPIC_PREFIX ?? '';
  if (!/^[a-zA-Z0-9._-]*$/.test(topicPrefix)) {
    throw new BusConfigError(
      'LM_TOPIC_PREFIX',
      'only letters, digits, ".", "_" and "-" are allowed',
    );
  }
  const brokersValue = env.KAFKA_BROKERS?.trim() ?? '';
  if (brokersValue === '') {
    return new MemoryBus({ ...config.memory, topicPrefix, logger });
  }
  const brokers = brokersValue.split(',').map((b) => b.trim());
  for (const broker of brokers) {
    if (!/^[^\s:/]+:[0-9]{1,5}$/.test(broker)) {
      throw new BusConfigError('KAFKA_BROKERS', `"${broker}" is not host:port`);
    }
  }
  const options: KafkaBusOptions = {
    ...config.kafka,
    brokers,
    topicPrefix,
    logger,
    clientId: env.KAFKA_CLIENT_ID ?? config.clientId ?? config.kafka?.clientId,
  };
  const session = env.KAFKA_SESSION_TIMEOUT_MS;
  if (session !== undefined && session !== '') {
    const value = Number(session);
    if (!Number.isInteger(value) || value < 6_000) {
      throw new BusConfigError(
        'KAFKA_SESSION_TIMEOUT_MS',
        'must be an integer >= 6000 (the broker minimum)',
      );
    }
    options.sessionTimeoutMs = value;
    options.heartbeatIntervalMs = Math.min(
      options.heartbeatIntervalMs ?? 1_000,
      Math.floor(value / 3),
    );
  }
  const level = env.KAFKA_CLIENT_LOG_LEVEL;
  if (level !== undefined && level !== '') {
    if (!['nothing', 'error', 'warn', 'info', 'debug'].includes(level)) {
      throw new BusConfigError(
        'KAFKA_CLIENT_LOG_LEVEL',
        'must be one of nothing, error, warn, info, debug',
      );
    }
    options.clientLogLevel = level as KafkaClientLogLevel;
  }
  return new KafkaBus(options);
}
