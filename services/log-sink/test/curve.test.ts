/**
 * CURVE + ZAP on the PULL socket (zeromq-wire.md §8.2): a Zeek 8.2+ logger holds the hub's server
 * secret key and admits only the configured client public key(s). Real sockets: PUSH clients as
 * an encrypted cluster's nodes have them. An allowed key delivers a captured batch whose files are
 * byte-identical to the Zeek 8.0.10 logger's; a key not on the allow-list, a wrong server key and a
 * plain PUSH deliver nothing and are counted (stats and metrics) and logged once per kind. Each
 * test starts its own sink, so any one runs alone.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { curveKeyPair } from 'zeromq';
import { formatLogTimestamp } from '@zeek-relay/wire';
import { countBatch } from './helpers/batches.js';
import { fixture, hex, normalizeTimes, type BatchVector } from './helpers/fixtures.js';
import {
  listVisible,
  read,
  removeDir,
  startSink,
  tempDir,
  until,
  type Harness,
  intakeSetting,
  intakesUnderTest,
} from './helpers/sink-harness.js';
import { LogPush, type LogPushOptions } from '@zeek-relay/zeek-node';

const captured = fixture<{ vectors: BatchVector[] }>('captured/log-batches.json').vectors;
const conn = captured.find((v) => v.name === 'conn-like-two-records');
const clock = new Date(2026, 10, 24, 21, 5, 0);

/**
 * A PUSH that is expected to be turned away: linger 0 (its queued batch must not hold the
 * process), sends without waiting (there is never a peer to take it), and reports the first
 * handshake outcome its own monitor sees, as a Zeek 8.2+ node's monitor would.
 */
function intruder(endpoint: string, keys?: LogPushOptions['curve']) {
  const push = new LogPush({
    endpoints: [],
    nodeId: 'intruder',
    linger: 0,
    ...(keys ? { curve: keys } : {}),
  });
  const events = push.push.events;
  const outcome = (async () => {
    for await (const e of events) {
      if (e.type === 'handshake' || e.type.startsWith('handshake:error')) return e.type;
    }
    return 'closed';
  })();
  push.connect(endpoint);
  void push.sendBatchBlocking(countBatch(666, 'intruder')).catch(() => undefined);
  return {
    outcome,
    async close() {
      push.close();
      await outcome;
    },
  };
}

/** One test's CURVE sink: its directory, harness, metrics and the warnings it logged. */
/** The intake of a test, or undefined: the suite's (`ZR_SINK_INTAKE`) or the sink's default. */
type Intake = 'native' | 'zmtp' | undefined;

interface CurveSink {
  readonly h: Harness;
  readonly dir: string;
  readonly reader: PeriodicExportingMetricReader;
  readonly exporter: InMemoryMetricExporter;
  readonly logLines: string[];
}

// Keys of the file: the server's, two allowed clients (A from a key file, B inline), a stranger.
const server = curveKeyPair();
const clientA = curveKeyPair();
const clientB = curveKeyPair();
const stranger = curveKeyPair();

/** Client keys of a key not on the allow-list, and of an allowed key with the wrong server key. */
const STRANGER = {
  serverKey: server.publicKey,
  publicKey: stranger.publicKey,
  secretKey: stranger.secretKey,
};
const WRONG_SERVER = {
  serverKey: stranger.publicKey,
  publicKey: clientA.publicKey,
  secretKey: clientA.secretKey,
};

/** A Zeek 8.2+ node's log path with client A's keys, which the allow-list admits. */
const allowedNode = (endpoint: string): LogPush =>
  new LogPush({
    endpoints: [endpoint],
    nodeId: 'zeromq_worker-1_test_1_N1',
    curve: { serverKey: server.publicKey, publicKey: clientA.publicKey, secretKey: clientA.secretKey },
  });

/**
 * Runs `fn` against a fresh CURVE sink (TSV and JSON) whose allow-list holds client A (a key
 * file, as a Kubernetes Secret mounts it: trailing newline, a comment) and client B (inline).
 */
async function withCurveSink(intake: Intake, fn: (c: CurveSink) => Promise<void>): Promise<void> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const logLines: string[] = [];
  const dir = await tempDir();
  const keys = await tempDir('zr-sink-keys-');
  await writeFile(join(keys, 'server_secretkey'), `${server.secretKey}\n`);
  await writeFile(join(keys, 'client_publickeys'), `# cluster A\n${clientA.publicKey}\n`);
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  let h: Harness | undefined;
  try {
    h = await startSink(
      dir,
      {
        ...intakeSetting(intake).config,
        outputs: ['tsv', 'json'],
        curveServerSecretKeyFile: join(keys, 'server_secretkey'),
        curveClientPublicKeyFiles: [join(keys, 'client_publickeys')],
        curveClientPublicKeys: [clientB.publicKey],
      },
      { now: () => clock, meter: provider.getMeter('test'), log: pino({ level: 'warn' }, logStream) },
    );
    await removeDir(keys);
    await fn({ h, dir, reader, exporter, logLines });
  } finally {
    await h?.sink.close();
    await provider.shutdown();
    await removeDir(keys);
    await removeDir(dir);
  }
}

/** Sends one batch from an allowed node and waits until the sink counted `batches` in all. */
async function sendAllowed(h: Harness, batch: Uint8Array, batches: number): Promise<void> {
  const node = allowedNode(h.endpoint);
  try {
    await node.sendBatchBlocking(batch);
    await until(() => h.sink.stats.batches === batches);
    await h.sink.flush();
  } finally {
    node.close();
  }
}

/** Three intruders (a key not on the list, a wrong server key, plain PUSH), each turned away. */
async function intrude(h: Harness): Promise<void> {
  const rejected = intruder(h.endpoint, STRANGER);
  const wrongServer = intruder(h.endpoint, WRONG_SERVER);
  const plain = intruder(h.endpoint);
  try {
    assert.equal(await rejected.outcome, 'handshake:error:auth');
    assert.match(await wrongServer.outcome, /^handshake:error:/);
    assert.match(await plain.outcome, /^handshake:error:/);
    await until(
      () =>
        h.sink.stats.zap.rejected >= 1 &&
        (h.sink.stats.handshakeFailures.auth ?? 0) >= 1 &&
        (h.sink.stats.handshakeFailures.protocol ?? 0) >= 2,
    );
  } finally {
    for (const i of [rejected, wrongServer, plain]) await i.close();
  }
}

/**
 * Both intakes (unless `ZR_SINK_INTAKE` picks one): zeromq.js with its ZAP handler, and the
 * sink's own CURVE server with the same allow-list.
 */
for (const intake of intakesUnderTest())
  describe(`CURVE sink with a ZAP allow-list (each test on its own sink)${intakeSetting(intake).name}`, () => {
    it('an allowed client key delivers a batch; TSV and JSON equal the Zeek 8.0.10 logger', () =>
      withCurveSink(intake, async ({ h, dir }) => {
        assert.ok(conn?.ascii_writer_output !== undefined && conn.json_writer_output !== undefined);
        await sendAllowed(h, hex(conn.hex), 1);
        assert.equal(h.sink.stats.zap.rejected, 0);
        assert.ok(h.sink.stats.zap.accepted >= 1);
        // The live files: the #close line comes at shutdown.
        const tsv = await read(dir, 'conn.log');
        const expected = normalizeTimes(conn.ascii_writer_output);
        assert.equal(normalizeTimes(tsv), expected.slice(0, expected.indexOf('#close')));
        assert.match(tsv, new RegExp(`^#open\\t${formatLogTimestamp(clock)}$`, 'm'));
        assert.equal(await read(join(dir, 'json'), 'conn.log'), conn.json_writer_output);
        await h.sink.close();
        assert.equal(normalizeTimes(await read(dir, 'conn.log')), expected);
      }));

    it('the second allow-list entry (inline key) is admitted too', () =>
      withCurveSink(intake, async ({ h, dir }) => {
        const node = new LogPush({
          endpoints: [h.endpoint],
          nodeId: 'zeromq_worker-2_test_1_N1',
          curve: { serverKey: server.publicKey, publicKey: clientB.publicKey, secretKey: clientB.secretKey },
        });
        try {
          await node.sendBatchBlocking(countBatch(7, 'second'));
          await until(() => h.sink.stats.batches === 1);
          await h.sink.flush();
        } finally {
          node.close();
        }
        assert.match(await read(dir, 'second.log'), /^7$/m);
      }));

    it('a client key not on the allow-list is rejected by ZAP (auth failure on both ends), delivers nothing', () =>
      withCurveSink(intake, async ({ h, dir }) => {
        const rejected = intruder(h.endpoint, STRANGER);
        try {
          assert.equal(await rejected.outcome, 'handshake:error:auth');
          await until(
            () => h.sink.stats.zap.rejected >= 1 && (h.sink.stats.handshakeFailures.auth ?? 0) >= 1,
          );
        } finally {
          await rejected.close();
        }
        await h.sink.close();
        assert.equal(h.sink.stats.batches, 0);
        assert.deepEqual(await listVisible(dir), ['json']);
      }));

    it('a wrong server key and a plain (non-CURVE) PUSH fail the handshake, deliver nothing', () =>
      withCurveSink(intake, async ({ h }) => {
        const wrongServer = intruder(h.endpoint, WRONG_SERVER);
        const plain = intruder(h.endpoint);
        try {
          assert.match(await wrongServer.outcome, /^handshake:error:/);
          assert.match(await plain.outcome, /^handshake:error:/);
          // Both are rejected before ZAP: the plain one for its NULL mechanism, the other because
          // its HELLO cannot be decrypted with the server key.
          await until(() => (h.sink.stats.handshakeFailures.protocol ?? 0) >= 2);
        } finally {
          await wrongServer.close();
          await plain.close();
        }
        assert.equal(h.sink.stats.batches, 0);
      }));

    it('amid rejections only the admitted batches are written; rejections counted and logged once per kind', () =>
      withCurveSink(intake, async ({ h, dir, reader, exporter, logLines }) => {
        await sendAllowed(h, countBatch(7, 'second'), 1);
        await intrude(h);
        // As PUSH delivers per connection in order and the intruders are closed, everything that
        // could ever arrive has arrived once this batch has.
        await sendAllowed(h, countBatch(8, 'second'), 2);
        await h.sink.close();
        assert.equal(h.sink.stats.batches, 2);
        assert.deepEqual(h.sink.stats.badInput, {});
        assert.deepEqual(await listVisible(dir), ['json', 'second.log']);
        const second = (await read(dir, 'second.log'))
          .split('\n')
          .filter((l) => l !== '' && !l.startsWith('#'));
        assert.deepEqual(second, ['7', '8']);
        await reader.forceFlush();
        assertCounted(h, exporter);
        assertLoggedOncePerKind(logLines);
      }));
  });

/** The metrics agree with the sink's own counters: ZAP answers and handshake failures. */
function assertCounted(h: Harness, exporter: InMemoryMetricExporter): void {
  const metrics = exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics));
  const points = (name: string, attr: string) =>
    Object.fromEntries(
      (metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? []).map((p) => [
        String(p.attributes[attr]),
        p.value,
      ]),
    );
  const zap = points('zeek_relay.sink.zap.requests', 'result');
  assert.equal(zap.rejected, h.sink.stats.zap.rejected);
  assert.ok(Number(zap.rejected) >= 1);
  assert.equal(zap.accepted, h.sink.stats.zap.accepted);
  assert.ok(Number(zap.accepted) >= 2);
  const failures = points('zeek_relay.sink.handshake.failures', 'error.type');
  assert.equal(failures.auth, h.sink.stats.handshakeFailures.auth);
  assert.ok(Number(failures.protocol) >= 2);
}

/**
 * Rate-limited: one line per kind, however often the intruders reconnected. (`handshake_other`
 * may appear too: a rejected connection can also end in a broken pipe as the client hangs up.)
 */
function assertLoggedOncePerKind(logLines: readonly string[]): void {
  const warnings = logLines
    .map((l) => JSON.parse(l) as { msg: string; reason?: string })
    .filter((l) => l.reason !== undefined)
    .map((l) => l.reason ?? '');
  assert.equal(new Set(warnings).size, warnings.length, `one line per kind: ${warnings.join(', ')}`);
  assert.deepEqual(warnings.filter((w) => w !== 'handshake_other').sort(), [
    'handshake_auth',
    'handshake_protocol',
    'zap_rejected',
  ]);
}
