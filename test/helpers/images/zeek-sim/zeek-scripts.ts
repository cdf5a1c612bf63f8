/**
 * Reads what a simulated Zeek node needs from the scripts the operator generates (its ConfigMap:
 * `cluster-layout.zeek`, `zeek-relay.zeek`): the cluster layout (node name → type, logger ports)
 * and the ZeroMQ backend's `connect_*` redefs. Tolerant on purpose: the generated text differs per
 * Zeek version, so anything that is not one of these statements is ignored, `=`/`+=` and
 * `vector(…)`/`set(…)`/`{…}` forms are all accepted, and comments are dropped first.
 */
import type { NodeRole } from '@zeek-relay/wire';

/** One `Cluster::nodes` entry. */
export interface LayoutNode {
  readonly role: NodeRole;
  readonly ip?: string;
  /** `$p=<port>/tcp` (Zeek 8.0/8.1 layouts give loggers a port). */
  readonly port?: number;
}

/** What the scripts configure for the node's connections. */
export interface ZeekScriptSettings {
  readonly nodes: ReadonlyMap<string, LayoutNode>;
  /** `connect_xpub_endpoint`: the hub's XSUB. */
  readonly xpub?: string;
  /** `connect_xsub_endpoint`: the hub's XPUB. */
  readonly xsub?: string;
  /** `connect_log_endpoints`, in order; undefined when no script sets it. */
  readonly logs?: readonly string[];
}

const TYPES: Readonly<Record<string, NodeRole>> = {
  MANAGER: 'manager',
  PROXY: 'proxy',
  WORKER: 'worker',
  LOGGER: 'logger',
};

/** Drops `#` comments outside string literals (also `@load` and other directives stay harmless). */
export function stripComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (c === '\\' && quoted) i++;
        else if (c === '"') quoted = !quoted;
        else if (c === '#' && !quoted) return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

const strings = (text: string): string[] =>
  [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));

/** The right-hand side of the last (`=`) or every (`+=`) redef of `name`, in order. */
function redefs(text: string, name: string): { op: string; rhs: string }[] {
  const re = new RegExp(`(?:^|[^\\w:])${name}\\s*(\\+?=)\\s*([^;]*);`, 'g');
  return [...text.matchAll(re)].map((m) => ({ op: m[1] ?? '=', rhs: m[2] ?? '' }));
}

function lastString(text: string, name: string): string | undefined {
  const all = redefs(text, name);
  const last = all.at(-1);
  return last ? strings(last.rhs)[0] : undefined;
}

function layout(text: string): Map<string, LayoutNode> {
  const nodes = new Map<string, LayoutNode>();
  for (const m of text.matchAll(/\[\s*"([^"]+)"\s*\]\s*=\s*\[([^\]]*)\]/g)) {
    const fields = m[2] ?? '';
    const type = /\$node_type\s*=\s*Cluster::([A-Z]+)/.exec(fields)?.[1];
    const role = type ? TYPES[type] : undefined;
    if (!role) continue;
    const ip = /\$ip\s*=\s*([0-9a-fA-F.:[\]]+)/.exec(fields)?.[1];
    const port = /\$p\s*=\s*(\d+)\/tcp/.exec(fields)?.[1];
    nodes.set(m[1] ?? '', {
      role,
      ...(ip ? { ip: ip.replace(/^\[|\]$/g, '') } : {}),
      ...(port ? { port: Number(port) } : {}),
    });
  }
  return nodes;
}

/** Parses the concatenated text of every script the node loads. */
export function parseZeekScripts(raw: string): ZeekScriptSettings {
  const text = stripComments(raw);
  const prefix = 'Cluster::Backend::ZeroMQ::';
  let logs: string[] | undefined;
  for (const { op, rhs } of redefs(text, `${prefix}connect_log_endpoints`)) {
    logs = op === '+=' ? [...(logs ?? []), ...strings(rhs)] : strings(rhs);
  }
  const xpub = lastString(text, `${prefix}connect_xpub_endpoint`);
  const xsub = lastString(text, `${prefix}connect_xsub_endpoint`);
  return {
    nodes: layout(text),
    ...(xpub !== undefined ? { xpub } : {}),
    ...(xsub !== undefined ? { xsub } : {}),
    ...(logs !== undefined ? { logs } : {}),
  };
}

/**
 * Log endpoints of a node: `connect_log_endpoints` when a script sets it, else every logger of the
 * layout that has an address and port (older layouts), else none.
 */
export function logEndpoints(s: ZeekScriptSettings): string[] {
  if (s.logs) return [...s.logs];
  return [...s.nodes.values()]
    .filter((n) => n.role === 'logger' && n.ip !== undefined && n.port !== undefined)
    .map((n) => `tcp://${n.ip?.includes(':') ? `[${n.ip}]` : n.ip}:${n.port}`);
}
