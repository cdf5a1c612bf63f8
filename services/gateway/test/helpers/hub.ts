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
 * `run_proxy_thread` does (zeromq-wire.md §1.2). Keeps the gateway tests independent of the hub
 * service.
 */
export async function startTestHub(
  host = '127.0.0.1',
  ports?: { xsub: number; xpub: number },
): Promise<TestHub> {
  const front = new XSubscriber({ linger: 0 });
  const back = new XPublisher({ linger: 0, noDrop: true });
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
