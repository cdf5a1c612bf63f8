/**
 * `zeek` in the zeek-sim test image: plays ONE Zeek cluster node with the project's simulator
 * (`startSingleNode` of `@zeek-relay/cli/simulator`), configured the way the operator configures a
 * real Zeek: `CLUSTER_NODE` names the node, the script arguments (found on `ZEEKPATH`, like
 * `zeek-relay.zeek`) and `cluster-layout.zeek` give its type and the ZeroMQ endpoints, and Zeek
 * 8.2's `ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_*` variables turn on CURVE. Options such as `-i`/`-r`
 * are accepted and ignored (no packets are read: a worker writes generated log records).
 * Tuning: `ZEEK_SIM_RATE` (events/s, default 2), `ZEEK_SIM_LOG_RATE` (records/s, default 20 on a
 * worker, 0 otherwise). A worker given Zeek 9.0's UDP packet source (`-i udp::…`, capture mode
 * udp) binds that port and spends CPU on every datagram (udp-source.ts, `ZEEK_SIM_UDP_CPU_US`).
 * Exits 0 on SIGTERM/SIGINT after flushing its logs, 1 on a bad setup.
 * Lives in this image only (copied to /app/zeek-sim); no real Zeek image is reachable from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { startSingleNode } from '@zeek-relay/cli/simulator';
import type { NodeRole } from '@zeek-relay/wire';
import { logEndpoints, parseZeekScripts } from './zeek-scripts.js';
import {
  DEFAULT_CPU_US_PER_DATAGRAM,
  parseUdpInterface,
  startUdpSource,
  type UdpSource,
} from './udp-source.js';

/** Zeek options that take a value (their value is not a script). */
const WITH_VALUE = new Set(['-i', '-r', '-e', '-f', '-p', '-s', '-w', '-U', '-G', '-j', '-B', '-W']);
export const SIM_VERSION = '8.2.2-zeek-relay-sim';

const fail = (msg: string): never => {
  process.stderr.write(`zeek (simulator): ${msg}\n`);
  process.exit(1);
};

function scriptArgs(argv: readonly string[]): string[] {
  const scripts: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (WITH_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) scripts.push(a);
  }
  return scripts;
}

/** A script argument as Zeek finds it: a path, or `<name>[.zeek]` in a ZEEKPATH directory. */
function findScript(name: string, path: readonly string[]): string | undefined {
  const candidates = isAbsolute(name)
    ? [name, `${name}.zeek`]
    : path.flatMap((d) => [join(d, name), join(d, `${name}.zeek`)]);
  return candidates.find((p) => existsSync(p) && !p.endsWith('/'));
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`${name}=${v} is not a number ≥ 0`);
  return n;
}

function curveFromEnv(): { serverPublicKey: string; publicKey: string; secretKey: string } | undefined {
  const e = (k: string): string | undefined =>
    process.env[`ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_${k}`] || undefined;
  const [serverPublicKey, publicKey, secretKey] = [
    e('SERVER_PUBLICKEY'),
    e('CLIENT_PUBLICKEY'),
    e('CLIENT_SECRETKEY'),
  ];
  if (!serverPublicKey && !publicKey && !secretKey) return undefined;
  if (!serverPublicKey || !publicKey || !secretKey)
    return fail(
      'CURVE needs ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_PUBLICKEY, _CLIENT_PUBLICKEY and _CLIENT_SECRETKEY',
    );
  return { serverPublicKey, publicKey, secretKey };
}

/** A worker's UDP packet source from `-i udp::…` (undefined for other roles and sources). */
async function udpSource(argv: readonly string[], role: NodeRole): Promise<UdpSource | undefined> {
  const i = argv.indexOf('-i');
  const iface = i >= 0 ? parseUdpInterface(argv[i + 1] ?? '') : undefined;
  if (!iface || role !== 'worker') return undefined;
  const cpuUs = envNumber('ZEEK_SIM_UDP_CPU_US') ?? DEFAULT_CPU_US_PER_DATAGRAM;
  const source = await startUdpSource(iface, cpuUs).catch((err: Error) =>
    fail(`udp source ${argv[i + 1]}: ${err.message}`),
  );
  process.stdout.write(
    `zeek (simulator): udp packet source on ${iface.address}:${iface.port} (${iface.encapsulation}), ${cpuUs} µs CPU per datagram\n`,
  );
  return source;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`zeek version ${SIM_VERSION}\n`);
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'usage: zeek [options] [scripts]  (zeek-relay simulator: plays the CLUSTER_NODE node)\n',
    );
    return;
  }
  const name =
    process.env['CLUSTER_NODE'] ||
    fail('CLUSTER_NODE is not set (a standalone Zeek has nothing to simulate)');
  const zeekpath = (process.env['ZEEKPATH'] ?? '.').split(':').filter(Boolean);
  const files = [...scriptArgs(argv), 'cluster-layout']
    .map((s) => findScript(s, zeekpath))
    .filter((f): f is string => f !== undefined);
  const settings = parseZeekScripts(files.map((f) => readFileSync(f, 'utf8')).join('\n'));
  const role: NodeRole =
    settings.nodes.get(name)?.role ??
    fail(`node ${name} is not in Cluster::nodes (read ${files.join(', ') || 'no scripts'})`);
  if (role === 'logger') fail(`${name} is a logger: loggers are played by the log sink, not simulated`);
  if (!settings.xpub || !settings.xsub)
    fail(`no Cluster::Backend::ZeroMQ::connect_xpub_endpoint / connect_xsub_endpoint in ${files.join(', ')}`);
  const logs = logEndpoints(settings);
  const rate = envNumber('ZEEK_SIM_RATE');
  const logRate = envNumber('ZEEK_SIM_LOG_RATE');
  const curve = curveFromEnv();
  const sim = startSingleNode({
    name,
    role,
    endpoints: { hubXsub: settings.xpub ?? '', hubXpub: settings.xsub ?? '', log: logs },
    ...(rate !== undefined ? { rate } : {}),
    ...(logRate !== undefined ? { logRate } : {}),
    ...(curve ? { curve } : {}),
  });
  process.stdout.write(
    `zeek (simulator ${SIM_VERSION}): ${name} (${role}) -> hub ${settings.xpub} / ${settings.xsub}, logs ${logs.join(' ') || 'none'}${curve ? ', CURVE' : ''}\n`,
  );
  const udp = await udpSource(argv, role);
  let seen = new Set<string>();
  const watch = setInterval(() => {
    const now = new Set(sim.peers());
    for (const p of now) if (!seen.has(p)) process.stdout.write(`node_up ${p}\n`);
    for (const p of seen) if (!now.has(p)) process.stdout.write(`node_down ${p}\n`);
    seen = now;
  }, 500);
  const stop = (signal: string): void => {
    clearInterval(watch);
    void Promise.all([sim.stop(), udp?.close()]).then(([s]) => {
      process.stdout.write(
        `${signal}: stopped; events sent ${s.eventsSent} received ${s.eventsReceived}, log records ${s.logRecords} in ${s.logBatches} batches${udp ? `, udp datagrams ${udp.datagrams()}` : ''}\n`,
      );
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main(process.argv.slice(2));
