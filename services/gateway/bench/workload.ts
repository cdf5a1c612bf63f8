/**
 * The workload of bench:gateway, the same shape as bench:hub's and as the real-Zeek reference
 * runs (issue #15): Zeek's `ping` event with one 64-byte string argument, as a 4-frame ZeroMQ
 * message (topic, sender node id, format, broker-bin-v1 payload) on the cluster side and as the
 * Broker JSON v1 data message a WebSocket client sends or receives.
 */
import { data, encodeEvent } from '@zeek-relay/wire';
import { S, dataMessage } from '../test/helpers/events.js';

export const TOPIC = Buffer.from('/bench/out/events');
/** A Zeek node id of a real node's length (46 bytes, as in bench:hub). */
export const SENDER = Buffer.from('zeromq_worker-17_bench-host_12345_NabcdEFGH123');
export const FORMAT = Buffer.from('broker-bin-v1');

/** The 64-byte string argument: `label` first (the latency run puts its send time there), then `a`s. */
export const pingString = (label: string): Buffer =>
  Buffer.from(label.padEnd(64, 'a').slice(0, 64), 'latin1');

/** The broker-bin-v1 payload of `ping(<64-byte string>)`. */
export const pingPayload = (label: string): Buffer =>
  Buffer.from(encodeEvent({ name: 'ping', args: [data.string(pingString(label))] }));

/** The same event as a WebSocket data message on `topic` (what the gateway renders for it). */
export const pingJson = (topic: string, label: string): string =>
  dataMessage(topic, 'ping', [S(pingString(label).toString('latin1'))]);
