import type { LogEntry, logCreator } from 'kafkajs';
import type { BusLogger } from '../BusLogger.js';

// kafkajs's numeric levels (its `logLevel` enum): NOTHING 0, ERROR 1, WARN 2, INFO 4, DEBUG 5.
const ERROR = 1;
const WARN = 2;
const INFO = 4;

/** Routes kafkajs's own log lines into the bus logger, as structured fields plus the message. */
export function kafkaLogCreator(logger: BusLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
      const fields = { kafkajs: namespace, ...extra };
      // kafkajs logs every error response of the protocol at ERROR under "Connection" ("Response
      // Metadata(...)"), also those its callers retry or handle (a topic that already exists, a
      // coordinator still loading). Those reach our code as errors when they matter; keep them
      // at debug. Connection failures themselves stay errors.
      const handledResponse = namespace === 'Connection' && message.startsWith('Response ');
      const rank = handledResponse ? 5 : Number(level);
      if (rank <= ERROR) logger.error(fields, message);
      else if (rank === WARN) logger.warn(fields, message);
      else if (rank === INFO) logger.info(fields, message);
      else logger.debug(fields, message);
    };
}
