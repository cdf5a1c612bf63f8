/**
 * The lines a Zeek cluster needs to use an embedded zeek-relay (zeromq-wire.md §1.3–§1.7, §10):
 * node XPUB → hub XSUB, node XSUB → hub XPUB (the knob names describe the local socket), no hub
 * thread in the manager, logs pushed to the sink, and the manager not a logger. That last one
 * goes in the cluster layout, not with the rest: Zeek decides with `@if` right after loading
 * `cluster-layout.zeek` whether the manager writes logs itself, before any site script runs.
 */

/** Where the embedded services listen. */
export interface ZeekConfigEndpoints {
  readonly host: string;
  readonly xpubPort: number;
  readonly xsubPort: number;
  readonly logPort: number;
  readonly gatewayPort: number;
}

function hostUri(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function redefs(e: ZeekConfigEndpoints): string[] {
  const h = hostUri(e.host);
  return [
    'redef Cluster::Backend::ZeroMQ::run_proxy_thread = F;',
    `redef Cluster::Backend::ZeroMQ::connect_xpub_endpoint = "tcp://${h}:${e.xsubPort}";`,
    `redef Cluster::Backend::ZeroMQ::connect_xsub_endpoint = "tcp://${h}:${e.xpubPort}";`,
    `redef Cluster::Backend::ZeroMQ::connect_log_endpoints = vector("tcp://${h}:${e.logPort}");`,
    ...(e.host.includes(':') ? ['redef Cluster::Backend::ZeroMQ::ipv6 = T;'] : []),
  ];
}

/**
 * For the cluster layout (the file that sets `Cluster::nodes`), every Zeek line: in
 * `site/local.zeek` it is too late and the manager keeps writing its own logs.
 */
export function layoutConfig(): string[] {
  return ['redef Cluster::manager_is_logger = F;'];
}

/** Zeek 8.0.x: the backend only starts when `…/zeromq/connect` is loaded. */
export function zeek80Config(e: ZeekConfigEndpoints): string[] {
  return ['@load frameworks/cluster/backend/zeromq/connect', ...redefs(e)];
}

/** Zeek 8.1 and later (incl. 9.0): the backend package initialises itself. */
export function zeek81Config(e: ZeekConfigEndpoints): string[] {
  return ['@load frameworks/cluster/backend/zeromq', ...redefs(e)];
}

/** The full banner `up` prints once the services are listening. */
export function configBanner(e: ZeekConfigEndpoints, logDir: string): string {
  const h = hostUri(e.host);
  return [
    'zeek-relay is up:',
    `  hub        XPUB tcp://${h}:${e.xpubPort}   XSUB tcp://${h}:${e.xsubPort}`,
    `  gateway    ws://${h}:${e.gatewayPort}/v1/messages/json   (Zeek WebSocket API v1)`,
    `  log sink   PULL tcp://${h}:${e.logPort}   writing to ${logDir}`,
    '',
    'Zeek 8.0 and later — at the top of the cluster layout (cluster-layout.zeek, the file that sets',
    ' Cluster::nodes; Zeek reads it before site/local.zeek, which is too late for this line):',
    ...layoutConfig().map((l) => `  ${l}`),
    '  and no LOGGER entries in Cluster::nodes: the log sink is not a Zeek node, and every LOGGER entry',
    "  adds tcp://<ip>:<its $p, 0 when unset> to each node's log endpoints.",
    '  (ZeekControl writes that file itself, with this line only when node.cfg has loggers, which it',
    '  then runs as Zeek loggers: with ZeekControl the manager or those loggers keep writing the logs.)',
    '',
    'Zeek 8.0 — add to every node (e.g. site/local.zeek):',
    ...zeek80Config(e).map((l) => `  ${l}`),
    '',
    'Zeek 8.1 and later — add to every node (e.g. site/local.zeek):',
    ...zeek81Config(e).map((l) => `  ${l}`),
    '(ZeekControl 8.1+ starts its own hub on ZeekPort 27760/27761: give it another ZeekPort or start',
    ' zeek-relay with --xpub-port/--xsub-port.) WebSocket clients connect to the gateway instead of the manager.',
    '',
    'No Zeek at hand? In another terminal:  npx zeek-relay simulate     and     npx zeek-relay subscribe zeek/',
  ].join('\n');
}
