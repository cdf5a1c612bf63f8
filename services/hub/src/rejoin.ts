/**
 * Re-admitting a node that was dropped but survived (Zeek 8.0–8.2 `cluster/backend/zeromq`, facts
 * from its scripts and sources).
 *
 * When the hub drops a node (ZMTP heartbeat timeout while the process is frozen, or a network cut),
 * the other nodes see the unsubscription of its `zeek.cluster.nodeid.<id>.` topic and raise
 * `Cluster::node_down`. The node itself does not: libzmq keeps a connecting socket's pipe across a
 * reconnect, so its XPUB never reports the others' topics as gone, and when the hub replays them
 * on the new connection, Zeek's backend raises `ZeroMQ::subscription` only for topics it has not
 * seen before. It therefore never says `ZeroMQ::hello` again, ignores the others' new hellos
 * ("sends ZeroMQ::hello twice") and never sends the `Cluster::hello` that would make them raise
 * `node_up`; their pending hello state expires ("Expired subscription from nodeid …"), and the node
 * stays out of every pool for good.
 *
 * The hub repairs this the only way the node can be reached: with the backend events its own
 * XPUB would have raised, had its pipe been renewed, published to node-id topics through the hub.
 * For the rejoined node R and every other connected node P, in this order:
 *   1. to R: `ZeroMQ::unsubscription(nodeid P)`: R raises `node_down(P)`, forgetting P's id;
 *   2. to P: `ZeroMQ::subscription(nodeid R)`: P says `ZeroMQ::hello` to R again;
 *   3. to R: `ZeroMQ::subscription(nodeid P)`: R says `ZeroMQ::hello` to P.
 * Each pair then completes Zeek's own two-way hello and both sides raise `node_up`. Step 1 reaches R
 * before P's new hello (which step 2 causes), and P's hello to R precedes P's `Cluster::hello`,
 * which is what Zeek's handlers need in either arrival order.
 */
import { data, encodeEvent, encodeEventFrames } from '@zeek-relay/wire';

/** Zeek's low-level backend events, raised by its XPUB on (un)subscriptions. */
export const BACKEND_EVENTS = {
  subscription: 'Cluster::Backend::ZeroMQ::subscription',
  unsubscription: 'Cluster::Backend::ZeroMQ::unsubscription',
} as const;

/** Sender id of the messages the hub publishes itself (not a Zeek node id). */
export const HUB_SENDER_ID = 'zeek-relay-hub';

/** One message to publish: the 4 frames of a Zeek event. */
export type Frames = Uint8Array[];

function backendEvent(name: string, toId: string, aboutId: string, topicPrefix: string): Frames {
  const payload = encodeEvent({ name, args: [data.string(`${topicPrefix}.${aboutId}.`)] });
  return encodeEventFrames({ topic: `${topicPrefix}.${toId}.`, sender: HUB_SENDER_ID, payload });
}

/**
 * The messages that re-introduce `rejoined` to every node in `others` (ids), in publishing order.
 * `nodeidTopicPrefix` is Zeek's `nodeid_topic_prefix` (default `zeek.cluster.nodeid`).
 */
export function rejoinMessages(
  rejoined: string,
  others: readonly string[],
  nodeidTopicPrefix: string,
): Frames[] {
  const peers = others.filter((id) => id !== rejoined);
  const { subscription, unsubscription } = BACKEND_EVENTS;
  return [
    ...peers.map((p) => backendEvent(unsubscription, rejoined, p, nodeidTopicPrefix)),
    ...peers.map((p) => backendEvent(subscription, p, rejoined, nodeidTopicPrefix)),
    ...peers.map((p) => backendEvent(subscription, rejoined, p, nodeidTopicPrefix)),
  ];
}
