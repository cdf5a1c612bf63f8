/**
 * One serializer object per wire format, so callers can pick a format by the name
 * found in ZeroMQ frame 2 (`broker-bin-v1`, `broker-json-v1`, `zeek-bin-serializer`).
 */

/** A codec for values of type `T` in one named format. */
export interface Serializer<T> {
  /** The format id as it appears in ZeroMQ frame 2. */
  readonly format: string;
  /** Encodes one value; throws `EncodeError` for values the format cannot carry. */
  encode(value: T): Uint8Array;
  /** Decodes exactly one value from the whole input; throws only `DecodeError`. */
  decode(bytes: Uint8Array): T;
}
