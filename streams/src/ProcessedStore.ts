/**
 * A durable record of handled message ids, for effects that must happen exactly once even when a
 * consumer crashes between handling a message and committing its offset (the message comes again).
 * The strongest form records the id in the same transaction as the handler's own writes; then
 * `markProcessed` has nothing left to do. `scope` is `<group>/<topic>`.
 */
export interface ProcessedStore {
  isProcessed(scope: string, id: string): Promise<boolean>;
  markProcessed(scope: string, id: string): Promise<void>;
}
