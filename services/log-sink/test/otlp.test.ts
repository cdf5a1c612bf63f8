/**
 * OTLP logs against a REAL OpenTelemetry Collector (built from Go modules by
 * scripts/build-otelcol.sh into a cache outside the repo, on first use): the captured conn-like
 * batch becomes two log records in scope `conn`, with every set column as an attribute, `ts` as
 * the timestamp and the Zeek JSON line (from the capture) as body. Skipped only when no Go
 * toolchain is installed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture, hex, type BatchVector } from './helpers/fixtures.js';
import { accepts, freePort } from './helpers/net.js';
import { removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

const script = new URL('../../scripts/build-otelcol.sh', import.meta.url).pathname;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpRecord {
  timeUnixNano?: string;
  body?: OtlpValue;
  attributes?: { key: string; value: OtlpValue }[];
}
interface OtlpLine {
  resourceLogs: { scopeLogs: { scope: { name: string }; logRecords: OtlpRecord[] }[] }[];
}

test(
  'OTLP writer → real OpenTelemetry Collector (otlp receiver, file exporter)',
  { timeout: 20 * 60_000 },
  async (t) => {
    const built = spawnSync('sh', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (built.status === 3) {
      t.skip('no Go toolchain: cannot build the collector');
      return;
    }
    assert.equal(built.status, 0, 'collector build failed');
    const bin = built.stdout.trim().split('\n').pop() ?? '';
    const dir = await tempDir('zr-otlp-');
    const port = await freePort();
    const out = join(dir, 'logs.json');
    const config = join(dir, 'otelcol.yaml');
    await writeFile(
      config,
      [
        'receivers:',
        '  otlp:',
        '    protocols:',
        '      http:',
        `        endpoint: 127.0.0.1:${port}`,
        'exporters:',
        '  file:',
        `    path: ${out}`,
        '    flush_interval: 100ms',
        'service:',
        '  telemetry:',
        '    metrics:',
        '      level: none',
        '    logs:',
        '      level: warn',
        '  pipelines:',
        '    logs:',
        '      receivers: [otlp]',
        '      exporters: [file]',
        '',
      ].join('\n'),
    );
    const collector = spawn(bin, ['--config', `file:${config}`], { stdio: ['ignore', 'inherit', 'inherit'] });
    const exited = new Promise((r) => collector.once('exit', r));
    const v = fixture<{ vectors: BatchVector[] }>('captured/log-batches.json').vectors.find(
      (x) => x.name === 'conn-like-two-records',
    );
    assert.ok(v?.json_writer_output);
    let h: Awaited<ReturnType<typeof startSink>> | undefined;
    const node = { close: () => {} } as { close(): void };
    try {
      await until(async () => {
        assert.equal(collector.exitCode, null, 'the collector exited');
        return accepts(port);
      });
      h = await startSink(dir, { outputs: ['otlp'], otlpUrl: `http://127.0.0.1:${port}/v1/logs` });
      const zeek = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
      node.close = () => zeek.close();
      await zeek.sendBatchBlocking(hex(v.hex));
      const sink = h.sink;
      await until(() => sink.stats.batches === 1);
      await sink.close();
      const records: { scope: string; r: OtlpRecord }[] = [];
      await until(async () => {
        records.length = 0;
        const text = await readFile(out, 'utf8').catch(() => '');
        for (const line of text.split('\n').filter((l) => l !== '')) {
          for (const rl of (JSON.parse(line) as OtlpLine).resourceLogs)
            for (const sl of rl.scopeLogs)
              for (const r of sl.logRecords) records.push({ scope: sl.scope.name, r });
        }
        return records.length >= 2;
      });
      assert.equal(records.length, 2);
      const expectedLines = v.json_writer_output.split('\n').filter((l) => l !== '');
      records.forEach(({ scope, r }, i) => {
        assert.equal(scope, 'conn');
        const expected = JSON.parse(expectedLines[i] ?? '{}') as Record<string, unknown>;
        assert.equal(r.body?.stringValue, expectedLines[i]);
        const attrs = new Map((r.attributes ?? []).map((a) => [a.key, a.value]));
        assert.equal(attrs.get('zeek.log.path')?.stringValue, 'conn');
        assert.equal(attrs.get('uid')?.stringValue, expected.uid);
        assert.equal(attrs.get('id.orig_h')?.stringValue, expected['id.orig_h']);
        assert.equal(Number(attrs.get('id.resp_p')?.intValue), expected['id.resp_p']);
        assert.equal(attrs.get('proto')?.stringValue, expected.proto);
        assert.equal(Number(attrs.get('missed_bytes')?.intValue), expected.missed_bytes);
        assert.equal(attrs.has('orig_bytes'), 'orig_bytes' in expected, 'unset columns are not attributes');
        assert.deepEqual(
          (attrs.get('tunnel_parents')?.arrayValue?.values ?? []).map((x) => x.stringValue),
          expected.tunnel_parents,
        );
        const ts = expected.ts as number;
        assert.ok(Math.abs(Number(r.timeUnixNano) / 1e9 - ts) < 1e-5, `timestamp ${r.timeUnixNano} vs ${ts}`);
      });
    } finally {
      node.close();
      await h?.sink.close();
      collector.kill('SIGTERM');
      await exited;
      await removeDir(dir);
    }
  },
);
