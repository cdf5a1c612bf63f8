/**
 * The README quick start, as real child processes: `zeek-relay up` (what `npm start` runs), then
 * `zeek-relay subscribe zeek/` and `zeek-relay simulate` in "other terminals". Checks that the
 * subscriber sees exactly the simulated application events, the hub lists the simulated nodes,
 * and the log sink wrote exactly the simulated log records; then Ctrl-C stops `up` cleanly.
 * Ports are free ephemeral ones instead of the defaults so the test can run next to a real `up`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, REPO_ROOT, runCli, type Child } from './helpers.js';

const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

function dataLines(file: string): number {
  return lines(readFileSync(file, 'utf8')).filter((l) => !l.startsWith('#')).length;
}

test('npx zeek-relay resolves to the workspace bin', () => {
  const r = spawnSync('npx', ['--no-install', 'zeek-relay', '--version'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '0.1.0');
});

test('up + subscribe zeek/ + simulate: events and log files appear, counts match', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zr-quickstart-'));
  const [xpub, xsub, gw, logs, http] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const hubFlags = ['--xpub-port', String(xpub), '--xsub-port', String(xsub), '--log-port', String(logs)];
  const children: Child[] = [];
  const start = (args: string[]): Child => {
    const c = runCli(args, dir);
    children.push(c);
    return c;
  };
  try {
    const up = start([
      'up',
      ...hubFlags,
      '--gateway-port',
      String(gw),
      '--http-port',
      String(http),
      '--status-interval',
      '1',
    ]);
    await up.waitFor(/No Zeek at hand\?/);
    assert.match(up.stdout, new RegExp(`connect_xpub_endpoint = "tcp://127\\.0\\.0\\.1:${xsub}"`));
    assert.match(up.stdout, new RegExp(`connect_xsub_endpoint = "tcp://127\\.0\\.0\\.1:${xpub}"`));
    assert.match(up.stdout, /@load frameworks\/cluster\/backend\/zeromq\/connect/);

    const sub = start(['subscribe', 'zeek/', '--json', '--url', `ws://127.0.0.1:${gw}`]);
    await sub.waitFor(/Subscribed to "zeek\/"/);

    // Runs until Ctrl-C (below), so `nodes` (a separate process, slow to start on a loaded
    // machine) sees the simulated nodes connected however long it takes.
    const sim = start([
      'simulate',
      ...hubFlags,
      '--rate',
      '100',
      '--log-rate',
      '300',
      '--write-buffer-size',
      '100',
      '--json',
    ]);
    await sim.waitFor(/"type":"progress"/);
    const nodes = runCli(['nodes', '--json', '--url', `http://127.0.0.1:${http}`], dir);
    assert.equal(await nodes.exited, 0, nodes.stderr);
    assert.deepEqual(
      lines(nodes.stdout).map((l) => (JSON.parse(l) as { name: string }).name),
      ['manager', 'proxy-1', 'worker-1', 'worker-2'],
    );

    // Stop once enough has been sent (the simulator's own progress lines say so), as a user would.
    await sim.waitFor((c) =>
      lines(c.stdout).some((l) => {
        const p = JSON.parse(l) as { type: string; eventsSent?: number; logRecords?: number };
        return p.type === 'progress' && (p.eventsSent ?? 0) >= 150 && (p.logRecords ?? 0) > 0;
      }),
    );
    assert.equal(await sim.stop('SIGINT'), 0, sim.stderr);
    const summary = JSON.parse(lines(sim.stdout).at(-1) ?? '{}') as {
      type: string;
      eventsSent: number;
      eventsLost: number;
      appEvents: number;
      logRecords: number;
      logRecordsByStream: Record<string, number>;
      logBatchesDropped: number;
    };
    assert.equal(summary.type, 'summary');
    assert.ok(
      summary.eventsSent >= 150 && summary.appEvents > 0 && summary.logRecords > 0,
      JSON.stringify(summary),
    );
    assert.equal(summary.eventsLost, 0);
    assert.equal(summary.logBatchesDropped, 0);

    await sub.waitFor((c) => lines(c.stdout).length >= summary.appEvents);
    const events = lines(sub.stdout).map((l) => JSON.parse(l) as { topic: string; event: string });
    assert.equal(events.length, summary.appEvents);
    assert.ok(events.every((e) => e.topic === 'zeek/sim/notice' && e.event === 'Sim::notice'));
    assert.equal(await sub.stop(), 0);

    await up.waitFor(/4 Zeek nodes connected|0 Zeek nodes connected.*[1-9][0-9]* events/);
    assert.equal(await up.stop('SIGINT'), 0, up.stderr);
    assert.match(up.stdout, /Stopped\./);

    const logDir = join(dir, 'logs');
    for (const [stream, n] of Object.entries(summary.logRecordsByStream)) {
      assert.ok(
        readdirSync(logDir).includes(`${stream}.log`),
        `${stream}.log in ${readdirSync(logDir).join(', ')}`,
      );
      assert.equal(dataLines(join(logDir, `${stream}.log`)), n, stream);
    }
  } finally {
    for (const c of children.reverse()) await c.stop('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  }
});
