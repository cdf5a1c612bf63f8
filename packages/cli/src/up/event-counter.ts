/**
 * Counts events crossing the hub, for `up`'s status line: an XSUB connected to the hub's XPUB and
 * subscribed to every topic. Messages are counted, never decoded. Note: its match-all
 * subscription makes every publisher send every event to the hub (sender-side filtering sees a
 * subscriber for everything) — fine for a development setup; `up --no-event-stats` turns it off.
 */
import { XSubscriber } from 'zeromq';

/** A running counter; `close()` is idempotent. */
export interface EventCounter {
  /** Events seen so far. */
  readonly count: () => number;
  close(): Promise<void>;
}

/** Connects to `hubXpub` (e.g. `tcp://127.0.0.1:27760`) and starts counting. */
export function startEventCounter(hubXpub: string): EventCounter {
  const sock = new XSubscriber({ receiveHighWaterMark: 100_000 });
  sock.connect(hubXpub);
  let n = 0;
  const loop = (async () => {
    await sock.send(Uint8Array.of(1)); // 0x01 + empty prefix: subscribe to everything
    for await (const frames of sock) if (frames.length === 4) n++;
  })();
  let closed: Promise<void> | undefined;
  return {
    count: () => n,
    close() {
      closed ??= (async () => {
        sock.close();
        await loop.catch((err: unknown) => {
          if ((err as { code?: string }).code !== 'EAGAIN') throw err;
        });
      })();
      return closed;
    },
  };
}
