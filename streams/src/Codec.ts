/** Turns a topic's values into bytes on the wire and back. `decode` throws on bytes it cannot read. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** The two functions every ts-proto message type has (`AudioChunk.encode`, `AudioChunk.decode`). */
export interface ProtoMessageFns<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/** A codec over a generated protobuf message type. */
export function protoCodec<T>(fns: ProtoMessageFns<T>): Codec<T> {
  return {
    encode: (value) => fns.encode(value).finish(),
    decode: (bytes) => fns.decode(bytes),
  };
}

/** Bytes as they are: the dead-letter topics carry the original message untouched. */
export const rawBytesCodec: Codec<Buffer> = {
  encode: (value) => value,
  decode: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
};
