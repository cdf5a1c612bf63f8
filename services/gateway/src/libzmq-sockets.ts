import type { Logger } from 'pino';
import { Context, XPublisher, XSubscriber } from 'zeromq';
import { GATEWAY_ERROR_CODES, GatewayError } from './errors.js';
import type { HubCurveKeys } from './hub-link.js';

/** ZMQ_SNDHWM of the XPUB and ZMQ_RCVHWM of the XSUB: libzmq's (and Zeek's) default, in events. */
const HWM = 1000;

/** Which of the two hub sockets (named by the gateway's side). */
export type HubSocket = 'XPUB' | 'XSUB';

/**
 * The CURVE client XPUB/XSUB pair of `LibzmqLink`, in a context of their own, configured as a Zeek
 * node's (zeromq-wire.md §2.1): XPUB VERBOSE + NODROP, HWM 1000, XPUB lingering `lingerMs`, the
 * hub's public key and the gateway's pair on both. Not connected yet. Throws
 * `ZR_GATEWAY_HUB_CONNECT` if libzmq refuses a setting.
 */
export function createCurveSockets(options: {
  readonly ipv6: boolean;
  readonly lingerMs: number;
  readonly curve: HubCurveKeys;
}): { xpub: XPublisher; xsub: XSubscriber } {
  const { serverKey, publicKey, secretKey } = options.curve;
  const curve = { curveServerKey: serverKey, curvePublicKey: publicKey, curveSecretKey: secretKey };
  try {
    const context = new Context({ ipv6: options.ipv6 });
    const xpub = new XPublisher({
      context,
      ...curve,
      linger: options.lingerMs,
      sendHighWaterMark: HWM,
      noDrop: true,
      // zeromq.js's synchronous send path (no ZMQ_EVENTS query per event); the link yields itself.
      sendTimeout: 0,
      // Subscriptions are read only while a probe waits for its echo.
      receiveTimeout: 0,
    });
    // ZMQ_XPUB_VERBOSE, as Zeek's node XPUB: every (duplicate) subscription is visible, which the probe needs.
    xpub.verbosity = 'allSubs';
    const xsub = new XSubscriber({
      context,
      ...curve,
      receiveHighWaterMark: HWM,
      linger: 0,
      receiveTimeout: 0,
    });
    return { xpub, xsub };
  } catch (err) {
    throw new GatewayError(
      GATEWAY_ERROR_CODES.HUB_CONNECT,
      `Could not create the CURVE ZeroMQ sockets: ${String(err)}`,
      { cause: err },
    );
  }
}

/**
 * Follows one socket's monitor until it is closed: a completed (CURVE) handshake calls `up`, a
 * disconnect `down`; failed handshakes are logged, once per kind at warn (libzmq keeps retrying,
 * a rejected key would flood the log). Read as a loop, not with `events.on`, whose internal loop
 * ends in an unhandled rejection when the observer is closed. The promise never rejects.
 */
export function watchHubSocket(
  sock: XPublisher | XSubscriber,
  which: HubSocket,
  on: { up(): void; down(): void; closed(): boolean; log: Logger },
): Promise<void> {
  const events = sock.events;
  const seen = new Set<string>();
  const failed = (kind: string, detail: unknown): void => {
    if (on.closed()) return;
    const level = seen.has(kind) ? 'debug' : 'warn';
    seen.add(kind);
    on.log[level](
      { hubSocket: which, failure: kind, detail },
      kind === 'auth'
        ? "The hub rejected the gateway's CURVE key (ZAP); not on its allow-list?"
        : 'CURVE handshake with the hub failed (wrong hub server key, or the hub is not CURVE?)',
    );
  };
  return (async () => {
    for await (const e of events) {
      if (e.type === 'handshake') on.up();
      else if (e.type === 'disconnect') on.down();
      else if (e.type === 'handshake:error:auth') failed('auth', e.error.status);
      else if (e.type === 'handshake:error:protocol') failed('protocol', e.error.code);
      else if (e.type === 'handshake:error:other') failed('other', e.error.code);
    }
  })().catch((err: unknown) => {
    if (!on.closed()) on.log.error({ err, hubSocket: which }, 'Socket monitor failed');
  });
}

/**
 * Receives one message (for `LibzmqLink`) from a zeromq.js socket kept at `receiveTimeout` 0, i.e.
 * on zeromq.js's synchronous path: while messages are queued no ZMQ_EVENTS query is made per
 * message (the default timeout of -1 makes one before every receive, ≈ 15 % of its cost).
 *
 * When the queue is empty (EAGAIN): `wanted()` decides whether to wait at all (it is called in
 * the same turn as the EAGAIN, so a caller can update its own state atomically with the
 * decision); returns undefined if not. Otherwise, with `yieldFirst`, the event loop gets one turn
 * and the queue is tried again — under load messages have arrived meanwhile and reading goes on
 * in batches instead of one poller wake-up per message. Only then does one receive wait the
 * ordinary way (timeout -1, zeromq.js's poller), and the socket returns to timeout 0.
 * Rejects with the socket's error (EAGAIN when it is closed while waiting).
 */
export async function receiveNext(
  sock: XPublisher | XSubscriber,
  wanted: () => boolean,
  yieldFirst: boolean,
): Promise<Buffer[] | undefined> {
  try {
    return await sock.receive();
  } catch (err) {
    if (sock.closed || !isEagain(err)) throw err;
  }
  if (!wanted()) return undefined;
  if (yieldFirst) {
    await new Promise((r) => setImmediate(r));
    try {
      return await sock.receive();
    } catch (err) {
      if (sock.closed || !isEagain(err)) throw err;
    }
  }
  sock.receiveTimeout = -1;
  try {
    return await sock.receive();
  } finally {
    if (!sock.closed) sock.receiveTimeout = 0;
  }
}

function isEagain(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'EAGAIN';
}
