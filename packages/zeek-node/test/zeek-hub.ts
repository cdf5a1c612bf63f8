/**
 * The hub Zeek's manager runs (`run_proxy_thread`): an XSUB ↔ XPUB proxy, the XPUB with VERBOSER
 * and NODROP, on ephemeral loopback ports. The nodes' tests run against it, so this package
 * needs no service.
 */
import { Proxy, XPublisher, XSubscriber } from 'zeromq';

export interface ZeekHub {
  /** Where nodes connect their XPUB / their XSUB. */
  readonly endpoints: { readonly connectXpub: string; readonly connectXsub: string };
  close(): Promise<void>;
}

export async function startZeekHub(): Promise<ZeekHub> {
  const front = new XSubscriber({ linger: 0 });
  const back = new XPublisher({ linger: 0, noDrop: true, verbosity: 'allSubsUnsubs' });
  await back.bind('tcp://127.0.0.1:*');
  await front.bind('tcp://127.0.0.1:*');
  const proxy = new Proxy(front, back);
  const running = proxy.run().catch(() => undefined);
  return {
    endpoints: { connectXpub: front.lastEndpoint as string, connectXsub: back.lastEndpoint as string },
    async close() {
      proxy.terminate();
      await running;
      front.close();
      back.close();
    },
  };
}
