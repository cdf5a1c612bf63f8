/**
 * The `zeek-relay-log-sink` binary as a process: config from ZR_SINK_* variables, /healthz
 * /readyz /metrics, a crash (SIGKILL) while a node keeps pushing, a restart that recovers the
 * leftover file, and a graceful SIGTERM. Every file afterwards is readable by Zeek tools (meta
 * lines, complete lines with the #fields column count, #close), and no record appears twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { countsBatch } from './helpers/batches.js';
import { freePort } from './helpers/net.js';
import { listVisible, read, removeDir, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

const main = new URL('../src/main.js', import.meta.url).pathname;

function run(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function get(url: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url);
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: 0, text: '' };
  }
}

test('bad configuration: exit code 1 and every problem listed', () => {
  const r = spawnSync(process.execPath, [main, '--outputs', 'tsv,nope', '--gzip-level', '12'], {
    encoding: 'utf8',
    env: { ...process.env, ZR_SINK_ROTATION_BASE_TIME: '25:00' },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ZR_SINK_ROTATION_BASE_TIME/);
  assert.match(r.stderr, /--gzip-level/);
  assert.match(r.stderr, /--outputs/);
});

test(
  'process: health endpoints, crash while pushing, restart recovers, SIGTERM closes cleanly',
  { timeout: 120_000 },
  async (t) => {
    const dir = await tempDir();
    const [pullPort, httpPort] = [await freePort(), await freePort()];
    const env = {
      ZR_SINK_PULL_ENDPOINT: `tcp://127.0.0.1:${pullPort}`,
      ZR_SINK_LOG_DIR: dir,
      ZR_SINK_HTTP_HOST: '127.0.0.1',
      ZR_SINK_HTTP_PORT: String(httpPort),
      ZR_SINK_ROTATION_INTERVAL_SECONDS: '3600',
      ZR_SINK_FSYNC_INTERVAL_MS: '50',
      ZR_SINK_LOG_LEVEL: 'warn',
    };
    const base = `http://127.0.0.1:${httpPort}`;
    const push = new LogPush({
      endpoints: [`tcp://127.0.0.1:${pullPort}`],
      nodeId: 'zeromq_worker-1_test_1_N1',
      sendHighWaterMark: 100_000,
      linger: 0,
    });
    let seq = 0;
    let pushing = true;
    const pusher = (async () => {
      while (pushing) {
        await push.sendBatchBlocking(
          countsBatch(
            Array.from({ length: 50 }, (_, i) => seq + i),
            'seq',
          ),
        );
        seq += 50;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    let p = run(env);
    try {
      await until(async () => (await get(`${base}/readyz`)).status === 200);
      assert.equal((await get(`${base}/healthz`)).status, 200);
      await until(async () =>
        /zeek_relay_sink_records_total\{[^}]*zeek_log_path="seq"[^}]*\} [1-9]/.test(
          (await get(`${base}/metrics`)).text,
        ),
      );
      const names = [
        'zeek_relay_sink_batches_total',
        'zeek_relay_sink_written_total',
        'zeek_relay_sink_queue_depth',
        'zeek_relay_sink_write_duration',
      ];
      await until(async () => {
        const text = (await get(`${base}/metrics`)).text;
        return names.every((n) => text.includes(n));
      });
      await new Promise((r) => setTimeout(r, 300));
      p.child.kill('SIGKILL');
      await p.exited;
      await new Promise((r) => setTimeout(r, 200)); // the node keeps pushing into its queue
      p = run(env);
      await until(async () => (await get(`${base}/readyz`)).status === 200);
      await new Promise((r) => setTimeout(r, 500));
      pushing = false;
      await pusher;
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);

      const files = await listVisible(dir);
      assert.ok(files.length >= 2, files.join(' '));
      assert.ok(!files.includes('seq.log'), 'rotation on: shutdown archived the live file');
      const seen = new Map<number, number>();
      for (const f of files) {
        const text = await read(dir, f);
        const lines = text.split('\n');
        assert.equal(lines.pop(), '', `${f} ends with a complete line`);
        assert.equal(lines[0], '#separator \\x09');
        const fields = (lines.find((l) => l.startsWith('#fields')) ?? '').split('\t').length - 1;
        assert.match(lines[lines.length - 1] ?? '', /^#close\t\d{4}-/);
        for (const l of lines.filter((x) => !x.startsWith('#'))) {
          assert.equal(l.split('\t').length, fields);
          seen.set(Number(l), (seen.get(Number(l)) ?? 0) + 1);
        }
      }
      assert.deepEqual(
        [...seen].filter(([, n]) => n > 1),
        [],
        'no record twice',
      );
      assert.ok(seen.size > 0);
      // What the SIGKILL cost: records the killed process had received but not written (and
      // any on the wire to its socket). They must be one contiguous run of the node's sequence:
      // everything before the crash is on disk, everything after it reached the new process.
      const missing: number[] = [];
      for (let s = 0; s < seq; s++) if (!seen.has(s)) missing.push(s);
      const runs = missing.filter((s, i) => i === 0 || missing[i - 1] !== s - 1).length;
      assert.ok(runs <= 1, `lost records in ${runs} separate runs`);
      t.diagnostic(
        `SIGKILL under load: ${seq} records sent, ${seen.size} written, ${missing.length} lost` +
          (missing.length > 0 ? ` (seq ${missing[0]}–${missing[missing.length - 1]})` : '') +
          `, 0 duplicates, ${files.length} files all ending in #close`,
      );
    } finally {
      pushing = false;
      push.close();
      p.child.kill('SIGKILL');
      await removeDir(dir);
    }
  },
);
