import { EncodeError } from '../errors.js';
import type { ZeekEvent } from '../event.js';
import type { Serializer } from '../serializer.js';
import { FORMAT_BROKER_JSON_V1 } from '../zeromq/frames.js';

/** The `broker-json-v1` event serializer (broker-bin-v1.md appendix A), Zeek dialect. */
export const brokerJsonV1Serializer: Serializer<ZeekEvent> = {
  format: FORMAT_BROKER_JSON_V1,
  encode: () => {
    throw new EncodeError('not implemented');
  },
  decode: () => {
    throw new EncodeError('not implemented');
  },
};
