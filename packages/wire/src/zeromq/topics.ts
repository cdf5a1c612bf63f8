/**
 * Zeek's standard topic names with the ZeroMQ backend (zeromq-wire.md §4.4). Topic matching is a
 * byte-wise prefix match, which is why node topics end in `.`.
 */

/** Fixed cluster topics. */
export const TOPICS = {
  manager: 'zeek.cluster.manager',
  logger: 'zeek.cluster.logger',
  proxy: 'zeek.cluster.proxy',
  worker: 'zeek.cluster.worker',
  poolProxy: 'zeek.cluster.pool.proxy',
  poolLogger: 'zeek.cluster.pool.logger',
  poolWorker: 'zeek.cluster.pool.worker',
  /** Prefix of node topics (`node_topic_prefix` + `.`). */
  nodePrefix: 'zeek.cluster.node.',
  /** Prefix of node-id topics (`nodeid_topic_prefix` + `.`); subscriptions here announce nodes. */
  nodeIdPrefix: 'zeek.cluster.nodeid.',
  /** `Cluster::Backend::ZeroMQ::internal_topic_prefix`, used by the ready-to-publish check. */
  internalPrefix: 'zeek.zeromq.internal.',
  /** `&publish_on_change` tables (8.2+), slash-separated even with ZeroMQ. */
  tableChanges: 'zeek/table/',
} as const;

/** Cluster node roles. */
export type NodeRole = 'manager' | 'logger' | 'proxy' | 'worker';

/** `Cluster::node_topic(name)`: `zeek.cluster.node.<name>.` */
export function nodeTopic(name: string): string {
  return `${TOPICS.nodePrefix}${name}.`;
}

/** `Cluster::nodeid_topic(id)`: `zeek.cluster.nodeid.<id>.` */
export function nodeIdTopic(id: string): string {
  return `${TOPICS.nodeIdPrefix}${id}.`;
}

/**
 * The node id inside a node-id topic (strip the prefix and the last character, as Zeek does), or
 * `undefined` when the topic is not a node-id topic.
 */
export function nodeIdFromTopic(topic: string): string | undefined {
  if (!topic.startsWith(TOPICS.nodeIdPrefix) || !topic.endsWith('.')) return undefined;
  const id = topic.slice(TOPICS.nodeIdPrefix.length, -1);
  return id === '' ? undefined : id;
}

/** Ready-to-publish topic `zeek.zeromq.internal.<id>.<n>.` (n: process-wide counter from 1). */
export function readinessTopic(id: string, n: number): string {
  return `${TOPICS.internalPrefix}${id}.${n}.`;
}

/**
 * The subscriptions a Zeek node of `role` makes by default, in Zeek's order
 * (setup-subscriptions.zeek): pool topic, role topic, node-id topic, node topic;
 * `zeek/table/` first when `withTableChanges` (8.2+). A manager that is also the logger adds the
 * logger pool topic.
 */
export function defaultSubscriptions(
  role: NodeRole,
  name: string,
  id: string,
  opts: { readonly withTableChanges?: boolean; readonly managerIsLogger?: boolean } = {},
): string[] {
  const subs: string[] = opts.withTableChanges ? [TOPICS.tableChanges] : [];
  switch (role) {
    case 'manager':
      if (opts.managerIsLogger) subs.push(TOPICS.poolLogger);
      subs.push(TOPICS.manager);
      break;
    case 'logger':
      subs.push(TOPICS.poolLogger, TOPICS.logger);
      break;
    case 'proxy':
      subs.push(TOPICS.poolProxy, TOPICS.proxy);
      break;
    case 'worker':
      subs.push(TOPICS.poolWorker, TOPICS.worker);
      break;
    default: {
      const never: never = role;
      throw new TypeError(`unknown role ${String(never)}`);
    }
  }
  subs.push(nodeIdTopic(id), nodeTopic(name));
  return subs;
}
