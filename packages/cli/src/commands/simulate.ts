/** `zeek-relay simulate`: a simulated Zeek cluster against a hub and log sink. */
import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORTS, defaultEndpoints } from '../defaults.js';
import { STREAM_NAMES } from '../simulator/log-streams.js';
import { DEFAULT_EVENT_MIX, EVENT_KINDS } from '../simulator/event-kinds.js';
import type { SimulationStats, SimulationSummary } from '../simulator/simulator.js';
import { StatusLine } from '../status-line.js';
import { parseCount, parseHost, parsePort, parsePositive, parseRate, parseSeconds } from './options.js';

interface SimulateFlags {
  host: string;
  xpubPort: number;
  xsubPort: number;
  logPort: number;
  logs: boolean;
  workers: number;
  proxies: number;
  rate: number;
  logRate: number;
  duration?: number;
  eventMix: string;
  logMix: string;
  writeBufferSize: number;
  flushInterval: number;
  readyTimeout: number;
  json: boolean;
}

function progressText(s: SimulationStats, prev: SimulationStats | undefined): string {
  const dt = prev ? (s.elapsedMs - prev.elapsedMs) / 1000 : s.elapsedMs / 1000;
  const evRate = dt > 0 ? Math.round((s.eventsSent - (prev?.eventsSent ?? 0)) / dt) : 0;
  const logRate = dt > 0 ? Math.round((s.logRecords - (prev?.logRecords ?? 0)) / dt) : 0;
  return (
    `${(s.elapsedMs / 1000).toFixed(0)}s  nodes ${s.nodesUp}/${s.nodes} up  ` +
    `events sent ${s.eventsSent} (${evRate}/s) received ${s.eventsReceived}/${s.eventsExpected}  ` +
    `log records ${s.logRecords} (${logRate}/s) in ${s.logBatches} batches`
  );
}

function summaryText(s: SimulationSummary): string {
  const kinds = EVENT_KINDS.map((k) => `${k} ${s.eventsByKind[k]}`).join(', ');
  const streams = STREAM_NAMES.map((k) => `${k} ${s.logRecordsByStream[k]}`).join(', ');
  return [
    `Simulation finished after ${(s.elapsedMs / 1000).toFixed(1)} s with ${s.nodes} nodes.`,
    `  events:  sent ${s.eventsSent} (${kinds})`,
    `           expected deliveries ${s.eventsExpected}, received ${s.eventsReceived}, lost ${s.eventsLost}`,
    `  logs:    ${s.logRecords} ${s.logSource} records (${streams}) in ${s.logBatches} batches, ${s.logBatchesDropped} batches dropped`,
  ].join('\n');
}

/** Registers the command on `program`. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('Run simulated Zeek nodes (manager, proxies, workers) against a hub and log sink')
    .option('--host <host>', 'host of the hub and log sink', parseHost, DEFAULT_HOST)
    .option(
      '--xpub-port <port>',
      "hub XPUB port (the nodes' connect_xsub_endpoint)",
      parsePort,
      DEFAULT_PORTS.xpub,
    )
    .option(
      '--xsub-port <port>',
      "hub XSUB port (the nodes' connect_xpub_endpoint)",
      parsePort,
      DEFAULT_PORTS.xsub,
    )
    .option('--log-port <port>', 'log sink PULL port', parsePort, DEFAULT_PORTS.logs)
    .option('--no-logs', 'do not push log batches')
    .option('--workers <n>', 'number of workers', parsePositive, 2)
    .option('--proxies <n>', 'number of proxies', parseCount, 1)
    .option('--rate <n>', 'events per second over all nodes', parseRate, 100)
    .option('--log-rate <n>', 'log records per second over all workers', parseRate, 200)
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)', parseSeconds)
    .option(
      '--event-mix <mix>',
      `event kinds: ${EVENT_KINDS.join(', ')}`,
      EVENT_KINDS.map((k) => `${k}=${DEFAULT_EVENT_MIX[k]}`).join(','),
    )
    .option('--log-mix <mix>', `log streams: ${STREAM_NAMES.join(', ')}`, 'conn=60,dns=30,http=10')
    .option('--write-buffer-size <n>', 'Log::write_buffer_size (records per batch)', parsePositive, 1000)
    .option('--flush-interval <seconds>', 'Log::flush_interval', parseSeconds, 1)
    .option('--ready-timeout <seconds>', 'how long the nodes may take to find each other', parseSeconds, 10)
    .option('--json', 'JSON lines: progress objects and a final summary object', false)
    .addHelpText(
      'after',
      `\nEvent kinds imitate Zeek's publishing patterns: manager (to zeek.cluster.manager), worker (broadcast),\npool (publish_hrw to a proxy node topic), node (publish_rr to a worker node topic), app (zeek/sim/notice).\nLog records replay what a real Zeek 8.2.2 worker sent (re-stamped with the current time).\nExample: zeek-relay simulate --workers 4 --rate 1000 --duration 30 --event-mix manager=1,app=1`,
    )
    .action((flags: SimulateFlags) => runSimulate(flags));
}

/** The command: starts the simulation, reports progress every second and the summary at the end. */
async function runSimulate(flags: SimulateFlags): Promise<void> {
  // Loaded here, not at start-up: only this command needs the simulator (and libzmq).
  const { parseMix } = await import('../simulator/traffic.js');
  const { startSimulation } = await import('../simulator/simulator.js');
  const endpoints = defaultEndpoints(flags.host, {
    xpub: flags.xpubPort,
    xsub: flags.xsubPort,
    logs: flags.logs ? flags.logPort : undefined,
  });
  const status = new StatusLine(process.stderr, 1000);
  const say = (text: string): void => {
    if (!flags.json) status.log(text);
  };
  say(
    `Connecting ${1 + flags.proxies + flags.workers} simulated Zeek nodes to the hub at ${endpoints.hubXsub} / ${endpoints.hubXpub}…`,
  );
  const sim = await startSimulation({
    endpoints,
    workers: flags.workers,
    proxies: flags.proxies,
    rate: flags.rate,
    logRate: flags.logs ? flags.logRate : 0,
    eventMix: parseMix('--event-mix', flags.eventMix, EVENT_KINDS),
    logMix: parseMix('--log-mix', flags.logMix, STREAM_NAMES),
    writeBufferSize: flags.writeBufferSize,
    flushIntervalMs: flags.flushInterval * 1000,
    readyTimeoutMs: flags.readyTimeout * 1000,
    ...(flags.duration !== undefined && flags.duration > 0 ? { durationMs: flags.duration * 1000 } : {}),
  });
  say(
    `Cluster up: ${sim.nodes.map((n) => n.name).join(', ')} (hello exchange complete). ${flags.duration ? '' : 'Ctrl-C stops.'}`,
  );
  let prev: SimulationStats | undefined;
  const progress = setInterval(() => {
    const s = sim.stats();
    if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'progress', ...s })}\n`);
    else status.update(progressText(s, prev));
    prev = s;
  }, 1000);
  const onSignal = (): void => void sim.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const summary = await sim.done;
  clearInterval(progress);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  status.done();
  if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
  else process.stdout.write(`${summaryText(summary)}\n`);
}
