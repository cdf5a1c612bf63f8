/**
 * An emulated Zeek node's log path: a PUSH socket connected to the sink, sending the 4-frame
 * log messages of zeromq-wire.md §6.2 (frame 0 `log-write`, frame 1 node id, frame 2
 * `zeek-bin-serializer`, frame 3 the batch), non-blocking like Zeek (`ZMQ_DONTWAIT`).
 */
import { Push } from 'zeromq';

export const LOG_WRITE = Buffer.from('log-write');
export const ZEEK_BIN = Buffer.from('zeek-bin-serializer');

/** A connected emulated node. */
export interface ZeekNode {
  /** Sends raw frames, waiting while the queue is full (tests that must not lose anything). */
  send(frames: Uint8Array[]): Promise<void>;
  /** Sends one batch as Zeek does. */
  sendBatch(batch: Uint8Array): Promise<void>;
  close(): void;
}

/** A Zeek 8.2+ node's CURVE client keys (Z85): the server public key and its own key pair. */
export interface NodeCurveKeys {
  readonly serverKey: string;
  readonly publicKey: string;
  readonly secretKey: string;
}

/**
 * Connects a PUSH socket to `endpoint` (Zeek's log_sndhwm 1000, linger so nothing queued is lost);
 * with `curve` as a CURVE client, as every 8.2+ node's PUSH is when the client keys are set.
 */
export function connectZeekNode(
  endpoint: string,
  nodeId = 'zeromq_worker-1_test_1_N1',
  curve?: NodeCurveKeys,
): ZeekNode {
  const push = new Push({
    sendHighWaterMark: 1000,
    linger: 2000,
    ...(curve
      ? { curveServerKey: curve.serverKey, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey }
      : {}),
  });
  push.connect(endpoint);
  const id = Buffer.from(nodeId);
  return {
    async send(frames) {
      await push.send(frames);
    },
    async sendBatch(batch) {
      await push.send([LOG_WRITE, id, ZEEK_BIN, batch]);
    },
    close() {
      push.close();
    },
  };
}
