import {
  FORMAT_BROKER_BIN_V1,
  FORMAT_BROKER_JSON_V1,
  WS_ERROR_CONTEXTS,
  dataToEvent,
  decodeBrokerData,
  encodeEvent,
  eventToData,
  formatDataMessage,
  isCanonicalEventPayload,
  jsonToData,
  parseDataMessage,
  renderDataMessageTo,
  transcodeDataMessageView,
  type BrokerData,
  type JsonDialect,
  type ZeekEvent,
} from '@zeek-relay/wire';
import type { FrameArena } from './client-frames.js';
import { ERROR_FRAMES } from './protocol.js';
import type { Signatures } from './signatures.js';

/** A client data message ready for the cluster, or the error frame to send back instead. */
export type InboundResult =
  | { readonly ok: true; readonly topic: string; readonly payload: Uint8Array }
  | { readonly ok: false; readonly errorFrame: string; readonly reason: InboundFailure };

/** Why a client data message was rejected (metric attribute `error.type`). */
export type InboundFailure = 'decode' | 'no_topic' | 'create_event' | 'forbidden_topic';

/** Why a cluster message was not delivered to clients (metric attribute `reason`). */
export type OutboundFailure = 'format' | 'decode' | 'not_event';

/** Event message type inside Broker's Zeek envelope (`[version, type, content]`). */
const EVENT_TYPE = 1n;

/** `[count 1, count 1, [name, args(, non-empty metadata)]]`, i.e. what Zeek would re-render. */
function isCanonical(d: BrokerData, ev: ZeekEvent): boolean {
  const version = d.type === 'vector' ? d.value[0] : undefined;
  return (
    version?.type === 'count' && version.value === 1n && (ev.metadata === undefined || ev.metadata.length > 0)
  );
}

/**
 * JSON v1 ↔ broker-bin-v1 transcoding with Zeek's checks, in Zeek's order (websocket-v1.md §3.5):
 * JSON/value decoding ⇒ topic ⇒ event construction. Pure: no sockets, no logging.
 */
export class Codec {
  readonly #renderOptions: { readonly dialect: JsonDialect };

  constructor(
    private readonly signatures: Signatures,
    dialect: JsonDialect,
  ) {
    this.#renderOptions = { dialect };
  }

  /**
   * Client → cluster. Canonicalizes as Zeek's re-serialization does (decision 4): version/type
   * forced to 1/1, an empty metadata vector dropped, other metadata passed through. Never throws.
   * The payload may be a view of the transcoder's scratch buffer, valid until the next call: use
   * it at once (the hub link copies it into its output buffer when it is published).
   */
  decodeClient(text: Uint8Array): InboundResult {
    if (!this.signatures.active) {
      // Hot path: JSON straight to broker-bin-v1 (no value tree). A canonical event payload is
      // exactly what the tree path below would produce, so it is forwarded as is; everything
      // else (errors included) takes the tree path, which yields Zeek's exact answer.
      const fast = this.#transcode(text);
      if (fast !== undefined) return fast;
    }
    return this.#decodeViaTree(text);
  }

  #transcode(text: Uint8Array): InboundResult | undefined {
    try {
      const { topic, payload } = transcodeDataMessageView(text);
      return isCanonicalEventPayload(payload) ? { ok: true, topic, payload } : undefined;
    } catch (err) {
      // The tree path re-reads the message and reports the error exactly (not swallowed).
      void err;
      return undefined;
    }
  }

  #decodeViaTree(text: Uint8Array): InboundResult {
    let topic: string;
    let data: BrokerData;
    try {
      ({ topic, data } = parseDataMessage(text));
    } catch (err) {
      const noTopic = (err as { reason?: unknown }).reason === WS_ERROR_CONTEXTS.noTopic;
      return noTopic
        ? { ok: false, errorFrame: ERROR_FRAMES.noTopic, reason: 'no_topic' }
        : { ok: false, errorFrame: ERROR_FRAMES.decodeFailed, reason: 'decode' };
    }
    let event: ZeekEvent;
    let payload: Uint8Array;
    try {
      const ev = dataToEvent(data);
      event = ev.metadata !== undefined && ev.metadata.length === 0 ? { name: ev.name, args: ev.args } : ev;
      if (this.signatures.active && !this.signatures.accepts(event)) {
        return { ok: false, errorFrame: ERROR_FRAMES.createEventFailed, reason: 'create_event' };
      }
      payload = encodeEvent(event);
    } catch (err) {
      // A payload that is valid Broker data but not an event (or not encodable) is Zeek's
      // "failed to create Zeek event", never a crash (decision 3).
      void err;
      return { ok: false, errorFrame: ERROR_FRAMES.createEventFailed, reason: 'create_event' };
    }
    return { ok: true, topic, payload };
  }

  /**
   * Cluster → client: the text frame for an event message, rendered once for all recipients into
   * `arena` (its last frame afterwards), or the reason it is not forwarded (unknown format,
   * undecodable, not an event: Zeek forwards events only, §3.4). Never throws.
   */
  renderCluster(
    topic: Uint8Array,
    format: Uint8Array,
    payload: Uint8Array,
    arena: FrameArena,
  ): OutboundFailure | undefined {
    const binary = isBrokerBinV1(format);
    if (binary && isCanonicalEventPayload(payload)) {
      // Canonical event bytes (the usual case): straight from broker-bin-v1 to the text frame,
      // no value tree, no event/shape checks (what the tree path would render, byte for byte).
      try {
        arena.frame((w) => renderDataMessageTo(w, topic, payload, this.#renderOptions));
        return undefined;
      } catch (err) {
        void err;
        return 'decode';
      }
    }
    let data: BrokerData;
    try {
      if (binary) data = decodeBrokerData(payload);
      else if (Buffer.from(format).toString('latin1') === FORMAT_BROKER_JSON_V1) data = jsonToData(payload);
      else return 'format';
    } catch (err) {
      void err;
      return 'decode';
    }
    const canonical = canonicalEvent(data);
    if (canonical === undefined) return 'not_event';
    try {
      const text = formatDataMessage(topic, canonical, this.#renderOptions);
      arena.frame((w) => w.bytes(text));
      return undefined;
    } catch (err) {
      void err;
      return 'not_event';
    }
  }
}

const BROKER_BIN_V1 = Buffer.from(FORMAT_BROKER_BIN_V1, 'latin1');

/** The format frame is `broker-bin-v1` (compared in place: no string per message). */
function isBrokerBinV1(format: Uint8Array): boolean {
  if (format.length !== BROKER_BIN_V1.length) return false;
  for (let i = 0; i < format.length; i++) if (format[i] !== BROKER_BIN_V1[i]) return false;
  return true;
}

/**
 * An event's data re-rendered canonically, as Zeek does from Zeek values: version/type 1/1, no
 * empty metadata element (§3.4); undefined when the data is not an event. Nearly every event
 * already is canonical: then it is rendered as received.
 */
function canonicalEvent(data: BrokerData): BrokerData | undefined {
  try {
    if (data.type !== 'vector' || data.value[1]?.type !== 'count' || data.value[1].value !== EVENT_TYPE) {
      return undefined;
    }
    const ev = dataToEvent(data);
    return isCanonical(data, ev)
      ? data
      : eventToData(ev.metadata?.length === 0 ? { name: ev.name, args: ev.args } : ev);
  } catch (err) {
    void err;
    return undefined;
  }
}
