/**
 * The registry's eyes: an XPUB socket attached over inproc to the hub XSUB, exactly like a Zeek
 * node's XPUB is attached over TCP. The hub XSUB therefore replays its subscription set to it on
 * attach and forwards every later (un)subscription (zeromq-wire.md §4.2). It never publishes and
 * is invisible on the network; one notification per subscription change, never per event. It
 * publishes only the hub's own re-admission messages (rejoin.ts).
 */
import { XPublisher, type Context } from 'zeromq';
import type { Logger } from '@zeek-relay/runtime';
import { parseSubscriptionFrame } from '@zeek-relay/wire';

/** A notification as the observer sees it. */
export interface SubscriptionNotice {
  readonly subscribe: boolean;
  readonly prefix: string;
}

/** A running observer. */
export interface SubscriptionObserver {
  /**
   * Publishes one event message into the hub (it enters the hub XSUB like a node's message and
   * reaches the nodes subscribed to its topic). Used to re-admit a rejoined node (rejoin.ts).
   */
  publish(frames: Uint8Array[]): Promise<void>;
  close(): void;
  readonly done: Promise<void>;
}

const utf8 = new TextDecoder();

/**
 * Connects the observer to `endpoint` (an inproc address the hub XSUB is bound to) and calls
 * `onNotice` for each `0x01`/`0x00` frame. Frames with another first byte are ignored, as Zeek does.
 */
export function startObserver(
  context: Context,
  endpoint: string,
  log: Logger,
  onNotice: (notice: SubscriptionNotice) => void,
): SubscriptionObserver {
  // VERBOSER: report every notification; no HWM so a burst of subscriptions is never dropped.
  const sock = new XPublisher({ context, verbosity: 'allSubsUnsubs', linger: 0, sendHighWaterMark: 0 });
  sock.connect(endpoint);
  const done = (async () => {
    for await (const frames of sock) {
      const frame = frames[0];
      // Like Zeek: single-frame messages starting with 0x00/0x01 only; anything else is ignored.
      if (frames.length !== 1 || frame === undefined || (frame[0] !== 0 && frame[0] !== 1)) continue;
      const { subscribe, prefix } = parseSubscriptionFrame(frame);
      onNotice({ subscribe, prefix: utf8.decode(prefix) });
    }
  })().catch((err: unknown) => {
    if (!sock.closed) log.error({ err }, 'Subscription observer failed');
  });
  return {
    publish: (frames) => sock.send(frames),
    close() {
      if (!sock.closed) sock.close();
    },
    done,
  };
}
