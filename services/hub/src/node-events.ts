/**
 * What the hub does with each subscription notice of its observer: the registry, the node and
 * subscription metrics and log lines, and the re-introduction of a node that rejoined (rejoin.ts).
 */
import type { Logger } from '@zeek-relay/runtime';
import type { HubMetrics } from './metrics.js';
import type { SubscriptionNotice } from './observer.js';
import type { NodeInfo, NodeRegistry } from './registry.js';
import { rejoinMessages } from './rejoin.js';

export interface NodeEventDeps {
  readonly registry: NodeRegistry;
  readonly metrics: HubMetrics;
  readonly log: Logger;
  readonly nodeidTopicPrefix: string;
  /** Publishes one message into the hub; undefined while the hub is not running. */
  readonly publish: () => ((frames: Uint8Array[]) => Promise<void>) | undefined;
}

/** Builds the observer's notice handler. */
export function nodeEvents(d: NodeEventDeps): (notice: SubscriptionNotice) => void {
  function reintroduce(node: NodeInfo): void {
    const others = d.registry.nodes().map((n) => n.id);
    d.log.warn(
      { node: node.name, id: node.id, peers: others.length - 1 },
      'Node rejoined after a drop without noticing it; re-introducing it to the cluster',
    );
    d.metrics.rejoined();
    const publish = d.publish();
    if (publish === undefined) return;
    void (async () => {
      for (const frames of rejoinMessages(node.id, others, d.nodeidTopicPrefix)) await publish(frames);
    })().catch((err: unknown) =>
      d.log.error({ err, node: node.name }, 'Could not re-introduce a rejoined node'),
    );
  }

  return ({ subscribe, prefix }) => {
    const update = d.registry.apply(subscribe, prefix, new Date());
    d.metrics.subscription(subscribe, update.distinctDelta);
    if (update.nodeUp) {
      d.metrics.nodeUp();
      d.log.info({ node: update.nodeUp.name, id: update.nodeUp.id }, 'Node connected');
      if (update.rejoined) reintroduce(update.nodeUp);
    }
    if (update.nodeDown) {
      d.metrics.nodeDown();
      d.log.info({ node: update.nodeDown.name, id: update.nodeDown.id }, 'Node disconnected');
    }
  };
}
