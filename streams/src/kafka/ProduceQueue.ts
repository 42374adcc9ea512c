import type { Message, Producer, TopicMessages } from 'kafkajs';
import type { PublishReceipt } from '../Bus.js';

interface PendingSend {
  topic: string;
  messages: (Message & { key: string; partition: number; id: string })[];
  resolve: (receipts: PublishReceipt[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends with one produce request in flight at a time (what keeps per-key order safe under retries
 * with the idempotent producer), and batches whatever was published while that request ran into
 * the next one. Latency stays one round trip when idle; throughput grows with load.
 */
export class ProduceQueue {
  private pending: PendingSend[] = [];
  private flushing = false;

  constructor(private readonly producer: Producer) {}

  send(topic: string, messages: PendingSend['messages']): Promise<PublishReceipt[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ topic, messages, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const sends = this.pending;
        this.pending = [];
        const byTopic = new Map<string, TopicMessages>();
        for (const send of sends) {
          const entry = byTopic.get(send.topic) ?? { topic: send.topic, messages: [] };
          entry.messages.push(...send.messages);
          byTopic.set(send.topic, entry);
        }
        try {
          const metadata = await this.producer.sendBatch({
            acks: -1,
            topicMessages: [...byTopic.values()],
          });
          // Messages of one partition form one record batch, in order: base offset + position.
          const next = new Map<string, bigint>();
          for (const m of metadata) {
            next.set(
              `${m.topicName}\u0000${m.partition}`,
              BigInt(m.baseOffset ?? m.offset ?? '-1'),
            );
          }
          for (const send of sends) {
            send.resolve(
              send.messages.map((message) => {
                const slot = `${send.topic}\u0000${message.partition}`;
                const offset = next.get(slot) ?? -1n;
                if (offset >= 0n) next.set(slot, offset + 1n);
                return {
                  id: message.id,
                  key: message.key,
                  partition: message.partition,
                  offset: String(offset),
                };
              }),
            );
          }
        } catch (error) {
          for (const send of sends) send.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
