/**
 * Fault drill: the sink binary SIGKILLed under load. Two emulated Zeek nodes (separate processes,
 * PUSH with Zeek's DONTWAIT semantics) push three 200-record batches every 2–3 ms (up to ≈ 240 k
 * records/s each);
 * the sink is killed while writing, restarted on the same endpoint, and stopped with SIGTERM once
 * it has written more. Then every file is read: each ends with a complete line and `#close`
 * (the recovered one too), every record line is a whole record id (a cut line would be a shorter
 * number), no id appears twice, and what was lost is reported: records the nodes sent (minus the
 * ones they dropped themselves on a full queue) that never reached a file.
 */
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from './helpers/net.js';
import { listVisible, read, removeDir, tempDir, until } from './helpers/sink-harness.js';

const main = new URL('../src/main.js', import.meta.url).pathname;
const nodeScript = new URL('./helpers/pushing-node.js', import.meta.url).pathname;
/** Record ids: node i writes (i + 1) × 10^9 + seq, all ten digits. */
const ID_BASE = 1_000_000_000;

interface Report {
  sent: number;
  dropped: number;
}

function runSink(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

const sizeOf = (path: string) =>
  stat(path).then(
    (s) => s.size,
    () => 0,
  );

/** Every file: complete lines, `#close` last; record ids counted. */
async function readAll(dir: string, seen: Map<number, number>): Promise<string[]> {
  const files = await listVisible(dir);
  for (const f of files) {
    const lines = (await read(dir, f)).split('\n');
    assert.equal(lines.pop(), '', `${f} ends with a complete line`);
    assert.equal(lines[0], '#separator \\x09', `${f} starts with the header`);
    assert.match(lines[lines.length - 1] ?? '', /^#close\t\d{4}-/, `${f} is closed`);
    for (const l of lines) {
      if (l.startsWith('#')) continue;
      if (!/^[12]\d{9}$/.test(l)) assert.fail(`${f}: not a whole record id: ${JSON.stringify(l)}`);
      seen.set(Number(l), (seen.get(Number(l)) ?? 0) + 1);
    }
  }
  return files;
}

test(
  'SIGKILL under load: no partial line, no duplicate, recovered files closed; the loss reported',
  { timeout: 300_000 },
  async (t) => {
    const dir = await tempDir();
    const [pullPort, httpPort] = [await freePort(), await freePort()];
    const endpoint = `tcp://127.0.0.1:${pullPort}`;
    const env = {
      ZR_SINK_PULL_ENDPOINT: endpoint,
      ZR_SINK_LOG_DIR: dir,
      ZR_SINK_HTTP_HOST: '127.0.0.1',
      ZR_SINK_HTTP_PORT: String(httpPort),
      ZR_SINK_ROTATION_INTERVAL_SECONDS: '3600',
      ZR_SINK_LOG_LEVEL: 'warn',
    };
    const readyz = `http://127.0.0.1:${httpPort}/readyz`;
    const live = join(dir, 'seq.log');
    let sink = runSink(env);
    const nodes: ChildProcess[] = [];
    try {
      await until(() => ready(readyz));
      for (let i = 0; i < 2; i++) {
        const args = [endpoint, String(i), '200', '2', String((i + 1) * ID_BASE)];
        nodes.push(fork(nodeScript, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
      }
      // Killed in the middle of writing: once a few batches are in the file.
      await until(async () => (await sizeOf(live)) > 200_000);
      sink.child.kill('SIGKILL');
      await sink.exited;
      sink = runSink(env);
      await until(() => ready(readyz));
      const before = await sizeOf(live);
      await until(async () => (await sizeOf(live)) > before + 200_000);
      const reports = await Promise.all(
        nodes.map(
          (c) =>
            new Promise<Report>((r) => {
              c.on('message', (m) => {
                if ('sent' in (m as object)) r(m as Report);
              });
              c.send('stop');
            }),
        ),
      );
      sink.child.kill('SIGTERM');
      assert.equal(await sink.exited, 0);

      const seen = new Map<number, number>();
      const files = await readAll(dir, seen);
      assert.ok(files.length >= 2, `the recovered file and the second run's: ${files.join(' ')}`);
      const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
      assert.deepEqual(twice.slice(0, 10), [], `${twice.length} records written twice`);
      const unsent = [...seen.keys()].filter(
        (id) => id % ID_BASE >= (reports[Math.floor(id / ID_BASE) - 1]?.sent ?? 0),
      );
      assert.deepEqual(unsent.slice(0, 10), [], `${unsent.length} records that were never sent`);
      const sent = reports.reduce((a, r) => a + r.sent, 0);
      const dropped = reports.reduce((a, r) => a + r.dropped, 0);
      const lost = sent - dropped - seen.size;
      assert.ok(lost >= 0);
      t.diagnostic(
        `SIGKILL drill: ${sent} records sent by 2 nodes, ${dropped} dropped by the nodes on a full queue ` +
          `(Zeek's "HWM reached"), ${seen.size} written, ${lost} lost with the killed process, ` +
          `0 duplicates, 0 partial lines, ${files.length} files all ending in #close`,
      );
    } finally {
      for (const c of nodes) c.kill('SIGKILL');
      sink.child.kill('SIGKILL');
      await removeDir(dir);
    }
  },
);
