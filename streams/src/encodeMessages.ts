import type { PublishOptions, RawMessage } from './Bus.js';
import { BusError } from './BusHandlerError.js';
import { HEADERS } from './DeadLetter.js';
import type { Topic } from './Topic.js';

/**
 * Turns typed values into the bytes both buses store, with the message id in the `lm-id` header.
 * A value the topic itself calls unusable (e.g. no session id) is refused here, at the producer,
 * rather than dead-lettered later at every consumer.
 */
export function encodeMessages<T>(
  topic: Topic<T>,
  values: T | readonly T[],
  options: PublishOptions,
): RawMessage[] {
  const list = (Array.isArray(values) ? values : [values]) as readonly T[];
  return list.map((value) => {
    const problem = topic.problem(value);
    if (problem !== undefined) {
      throw new BusError('invalid_message', `cannot publish to ${topic.name}: ${problem}`);
    }
    return {
      key: topic.key(value),
      value: topic.codec.encode(value),
      headers: { ...options.headers, [HEADERS.id]: topic.id(value) },
    };
  });
}
