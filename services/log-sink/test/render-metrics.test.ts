/**
 * The generated-loop cache counters on /metrics, summed over the threads: the binary with two
 * render threads and the tsv writer gets four batches of one column schema under four paths.
 * Jobs go to the workers in turn, so each worker sees two paths: it compiles the TSV loop for the
 * first and reuses it for the second (the generated source holds no names) — 2 compiled, 2 hits.
 * The main thread's tsv writer also holds a renderer per path, for the header lines only: it renders
 * no payload, so it compiles no loop (loops are made at a renderer's first payload). Together 2
 * and 2: a count of 3 compiled would mean a loop made and never run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { countsBatch } from './helpers/batches.js';
import { freePort } from './helpers/net.js';
import { removeDir, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

const main = new URL('../src/main.js', import.meta.url).pathname;

async function metricsText(base: string): Promise<string> {
  try {
    return await (await fetch(`${base}/metrics`)).text();
  } catch {
    return '';
  }
}

/** The value of the unlabelled sample `name`, or undefined. */
function sample(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

test('render loop counters: compiled, hits, evicted, failed summed over the main thread and two render threads', async () => {
  const dir = await tempDir();
  const [pullPort, httpPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      ZR_SINK_PULL_ENDPOINT: `tcp://127.0.0.1:${pullPort}`,
      ZR_SINK_LOG_DIR: dir,
      ZR_SINK_HTTP_HOST: '127.0.0.1',
      ZR_SINK_HTTP_PORT: String(httpPort),
      ZR_SINK_OUTPUTS: 'tsv',
      ZR_SINK_RENDER_THREADS: '2',
      ZR_SINK_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  const push = new LogPush({
    endpoints: [`tcp://127.0.0.1:${pullPort}`],
    nodeId: 'zeromq_w_1_N1',
    linger: 0,
  });
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    await until(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200);
    for (const path of ['a', 'b', 'c', 'd']) await push.sendBatchBlocking(countsBatch([1, 2], path));
    let text = '';
    await until(async () => {
      text = await metricsText(base);
      return ['a', 'b', 'c', 'd'].every((p) =>
        new RegExp(`zeek_relay_sink_records_total\\{[^}]*zeek_log_path="${p}"[^}]*\\} 2`).test(text),
      );
    });
    const counters = ['compiled', 'hits', 'evicted', 'failed'].map((k) =>
      sample(text, `zeek_relay_sink_render_loops_${k}_total`),
    );
    assert.deepEqual(counters, [2, 2, 0, 0]);
  } finally {
    push.close();
    child.kill('SIGTERM');
    await exited;
    await removeDir(dir);
  }
});
