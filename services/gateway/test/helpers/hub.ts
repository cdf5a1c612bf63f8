import { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { Proxy, XPublisher, XSubscriber } from 'zeromq';

/** A Zeek-style hub (the manager's proxy thread): XSUB ↔ XPUB with VERBOSER + NODROP. */
export interface TestHub {
  /** Where nodes connect their XPUB (the hub's XSUB). */
  readonly xsubEndpoint: string;
  /** Where nodes connect their XSUB (the hub's XPUB). */
  readonly xpubEndpoint: string;
  close(): Promise<void>;
}

/**
 * Starts a plain zeromq.js `Proxy` on ephemeral loopback ports, exactly what Zeek's
 * `run_proxy_thread` does (zeromq-wire.md §1.2); `tight` makes it block early behind a
 * subscriber that does not read (NODROP), as a hub does behind a stalled node. Keeps the gateway tests independent of the hub
 * service.
 */
export async function startTestHub(
  host = '127.0.0.1',
  ports?: { xsub: number; xpub: number },
  /** HWM 1 and 16 KiB kernel buffers on both sides, instead of libzmq's 1000 and autotuning. */
  tight = false,
  /** More options for both sockets (e.g. CURVE server keys). */
  extra: { readonly curveServer?: boolean; readonly curveSecretKey?: string } = {},
): Promise<TestHub> {
  const small = tight ? { receiveBufferSize: 16384, sendBufferSize: 16384 } : {};
  const front = new XSubscriber({ linger: 0, receiveHighWaterMark: tight ? 1 : 1000, ...small, ...extra });
  const back = new XPublisher({
    linger: 0,
    noDrop: true,
    sendHighWaterMark: tight ? 1 : 1000,
    ...small,
    ...extra,
  });
  back.verbosity = 'allSubsUnsubs';
  const bracket = host.includes(':') ? `[${host}]` : host;
  if (host.includes(':')) {
    front.ipv6 = true;
    back.ipv6 = true;
  }
  await back.bind(`tcp://${bracket}:${ports?.xpub ?? '*'}`);
  await front.bind(`tcp://${bracket}:${ports?.xsub ?? '*'}`);
  const proxy = new Proxy(front, back);
  const running = proxy.run();
  return {
    xsubEndpoint: front.lastEndpoint as string,
    xpubEndpoint: back.lastEndpoint as string,
    async close() {
      proxy.terminate();
      await running.catch(() => undefined);
      front.close();
      back.close();
    },
  };
}

/**
 * An emulated Zeek manager (`@zeek-relay/zeek-node`) with node id `id`, attached to `hub` as Zeek's
 * ZeroMQ backend attaches (zeromq-wire.md §2.1), started: its default subscriptions made.
 */
export async function attachNode(
  id: string,
  hub: TestHub,
  /** CURVE client settings (Z85), for a hub with CURVE on (as Zeek's `curve_*` options). */
  curve?: { readonly serverKey: string; readonly publicKey: string; readonly secretKey: string },
): Promise<EmulatedZeekNode> {
  const node = new EmulatedZeekNode({
    name: id,
    role: 'manager',
    id,
    connectXpub: hub.xsubEndpoint,
    connectXsub: hub.xpubEndpoint,
    ...(curve
      ? { curve: { serverKey: curve.serverKey, publicKey: curve.publicKey, secretKey: curve.secretKey } }
      : {}),
  });
  await node.start();
  return node;
}
