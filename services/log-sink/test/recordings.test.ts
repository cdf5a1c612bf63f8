/**
 * Zeek 8.2.2's own recordings (packages/fixtures/data/zeek-8.2/logs, README there): for every
 * trace, every log message a real worker and manager pushed to a Zeek logger is pushed, frame for
 * frame and in the same order, through a real libzmq PUSH socket into the sink with its default
 * settings (Zeek 8.2). The files must equal the Zeek logger's byte for byte, apart from the
 * wall-clock `#open`/`#close` values and the rows the Zeek logger wrote about itself (its own
 * cluster.log rows, node "logger", and its own "received termination signal" in reporter.log),
 * which never travelled as batches.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fixturePath, readJsonFixture, readTextFixture } from '@zeek-relay/fixtures';
import {
  intakeSetting,
  intakesUnderTest,
  read,
  removeDir,
  startSink,
  tempDir,
  until,
} from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

interface Recording {
  messages: { frames: string[]; path: string }[];
}

const TRACES = [
  'bro.org',
  'cwd-navigation',
  'dns-edns-ecs',
  'ecdhe',
  'nmap-vsn',
  'smtp',
  'var-services-std-ports',
  'wikipedia',
];

/** The Zeek logger's own rows: a row our sink cannot have, since no node sent it. */
function isLoggersOwnRow(file: string, line: string, json: boolean): boolean {
  const record = json
    ? (JSON.parse(line) as Record<string, unknown>)
    : Object.fromEntries(
        (file === 'cluster.log' ? ['ts', 'node', 'message'] : ['ts', 'level', 'message', 'location']).map(
          (k, i) => [k, line.split('\t')[i]],
        ),
      );
  if (file === 'cluster.log') return record.node === 'logger';
  if (file === 'reporter.log') return record.message === 'received termination signal';
  return false;
}

/** Lines with the `#open`/`#close` values removed. */
function withoutTimes(text: string): string[] {
  return text
    .split('\n')
    .map((l) => (l.startsWith('#open\t') || l.startsWith('#close\t') ? (l.split('\t')[0] as string) : l));
}

function compare(file: string, zeek: string, ours: string, json: boolean): void {
  const z = withoutTimes(zeek);
  const o = withoutTimes(ours);
  // Ours must be Zeek's file with the logger's own rows taken out (in order, nothing else).
  let j = 0;
  const extra: string[] = [];
  for (const line of z) {
    if (j < o.length && line === o[j]) j++;
    else extra.push(line);
  }
  assert.equal(j, o.length, `${file}: line ${j + 1} of ours is not in Zeek's file: ${o[j]}`);
  for (const line of extra)
    assert.ok(isLoggersOwnRow(file, line, json), `${file}: Zeek has a row we lack: ${line}`);
  if (file === 'reporter.log') assert.ok(extra.length <= 1, `${file}: ${extra.length} rows missing`);
}

async function replay(
  trace: string,
  run: 'tsv' | 'json',
  renderThreads: number,
  intake: 'native' | 'zmtp' | undefined,
): Promise<void> {
  const recording = readJsonFixture<Recording>(
    'zeek-8.2',
    'logs',
    trace,
    run === 'tsv' ? 'batches.json' : 'batches-json-run.json',
  );
  const dir = await tempDir();
  const h = await startSink(dir, { outputs: [run], renderThreads, ...intakeSetting(intake).config });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    for (const m of recording.messages) await node.sendFrames(m.frames.map((f) => Buffer.from(f, 'hex')));
    await until(() => h.sink.stats.batches === recording.messages.length);
    await h.sink.close();
    const zeekFiles = (await readdir(fixturePath('zeek-8.2', 'logs', trace, run))).sort();
    const ours = (await readdir(dir)).sort();
    const expectedFiles = zeekFiles.filter((f) => recording.messages.some((m) => `${m.path}.log` === f));
    assert.deepEqual(ours, expectedFiles);
    for (const file of ours) {
      compare(
        file,
        readTextFixture('zeek-8.2', 'logs', trace, run, file),
        await read(dir, file),
        run === 'json',
      );
    }
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
}

describe("the sink writes Zeek 8.2.2's files from Zeek 8.2.2's batches (default settings)", () => {
  // Each trace through both intakes (unless ZR_SINK_INTAKE picks one): TSV on one, JSON on the other.
  const [a, b = a] = intakesUnderTest();
  TRACES.forEach((trace, i) => {
    const [tsv, json] = i % 2 === 0 ? [a, b] : [b, a];
    it(`${trace}: TSV${intakeSetting(tsv).name}`, () => replay(trace, 'tsv', i % 2 === 0 ? 0 : 2, tsv));
    it(`${trace}: JSON${intakeSetting(json).name}`, () => replay(trace, 'json', i % 2 === 0 ? 2 : 0, json));
  });
});
