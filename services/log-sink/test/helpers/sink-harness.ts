/** Starts a sink on an ephemeral loopback port with a temporary log directory and a silent logger. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { until as waitUntil } from '@zeek-relay/test-support';
import { createSink, type Sink, type SinkConfigInput, type SinkDeps } from '../../src/index.js';

/** A fresh temporary directory. */
export function tempDir(prefix = 'zr-sink-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a directory made by {@link tempDir}. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** A started sink and where it listens. */
export interface Harness {
  readonly sink: Sink;
  readonly endpoint: string;
  readonly dir: string;
}

/**
 * The intake the tests run on: `ZR_SINK_INTAKE` (`native` or `zmtp`) when set, so the whole suite
 * runs on either (`ZR_SINK_INTAKE=zmtp node scripts/run-tests.mjs services/log-sink`); else the
 * sink's default. A test's own `intake` wins.
 */
export function testIntake(): { intake?: 'native' | 'zmtp' } {
  const v = process.env['ZR_SINK_INTAKE'];
  return v === 'native' || v === 'zmtp' ? { intake: v } : {};
}

/**
 * The intakes a test that concerns intake runs on: both, unless `ZR_SINK_INTAKE` picks one for
 * the whole suite (then `[undefined]`: the suite's).
 */
export function intakesUnderTest(): readonly ('native' | 'zmtp' | undefined)[] {
  return testIntake().intake ? [undefined] : ['native', 'zmtp'];
}

/** `{ intake }` for a test of {@link intakesUnderTest}, and its name suffix. */
export function intakeSetting(intake: 'native' | 'zmtp' | undefined): {
  config: { intake?: 'native' | 'zmtp' };
  name: string;
} {
  return intake ? { config: { intake }, name: ` (intake=${intake})` } : { config: {}, name: '' };
}

/** Creates and starts a sink writing into `dir`; defaults: TSV, no time rotation, quick drain. */
export async function startSink(
  dir: string,
  config: SinkConfigInput = {},
  deps: Partial<SinkDeps> = {},
): Promise<Harness> {
  const sink = createSink(
    {
      pullEndpoint: 'tcp://127.0.0.1:0',
      logDir: dir,
      rotationIntervalSeconds: 0,
      drainIdleMs: 50,
      ...testIntake(),
      ...config,
    },
    { log: pino({ level: 'silent' }), ...deps },
  );
  const { endpoint } = await sink.start();
  return { sink, endpoint, dir };
}

/** Polls `cond` every 10 ms until true; throws after `limitMs` (a hang becomes a failure). */
export function until(cond: () => boolean | Promise<boolean>, limitMs?: number): Promise<void> {
  return waitUntil(cond.toString().slice(0, 200), cond, { limitMs });
}

/** Text of a file. */
export function read(dir: string, name: string): Promise<string> {
  return readFile(join(dir, name), 'utf8');
}

/** Sorted directory listing without hidden files. */
export async function listVisible(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
}
