/**
 * `npm run bench:isolation -w @zeek-relay/hub`: the measurement behind the `slowSubscriber`
 * default (README, "Slow subscribers"). Two publishers offer 50 000 events/s through the hub to
 * two healthy subscribers and one that is frozen (SIGSTOP) for the whole window ("stuck") or for
 * 300 ms ("pause"). Reports the share of the offered events the healthy subscribers received, and
 * what the frozen one lost. Needs the native helper (cc + libzmq headers). `--json` as bench:hub.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { freePort } from '@zeek-relay/test-support';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAYLOAD, SENDER, TOPIC } from './roles.js';
import { spawnNativeRole, spawnSubject, type Role } from './proc.js';

const HUB_MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const NATIVE_C = fileURLToPath(new URL('../../bench/native.c', import.meta.url));
const RATE = 50_000;
const WINDOW_MS = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  healthy: number;
  slowLoss: number;
  healthyP99: number;
}

async function scenario(
  native: string,
  mode: 'drop' | 'block',
  hwm: number,
  pauseMs: number | 'stuck',
): Promise<Outcome> {
  const [xpub, xsub] = [await freePort(), await freePort()];
  const hub = await spawnSubject(
    process.execPath,
    [HUB_MAIN],
    {
      ZR_HUB_BIND_ADDRESS: '127.0.0.1',
      ZR_HUB_XPUB_PORT: String(xpub),
      ZR_HUB_XSUB_PORT: String(xsub),
      ZR_HUB_HTTP_PORT: '0',
      ZR_HUB_SLOW_SUBSCRIBER: mode,
      ZR_HUB_SEND_HIGH_WATER_MARK: String(hwm),
    },
    /"Hub started"/,
  );
  const roles: Role[] = [];
  try {
    const subs = [0, 1, 2].map(() => spawnNativeRole(native, ['sub', `tcp://127.0.0.1:${xpub}`, TOPIC, '1']));
    roles.push(...subs);
    await Promise.all(subs.map((r) => r.next('ready')));
    const hex = Buffer.from(PAYLOAD).toString('hex');
    const pubs = [0, 1].map(() =>
      spawnNativeRole(native, ['pub', `tcp://127.0.0.1:${xsub}`, String(RATE / 2), TOPIC, SENDER, hex]),
    );
    roles.push(...pubs);
    await Promise.all(pubs.map((r) => r.next('sending')));
    await sleep(500);
    const slow = subs[2]!;
    for (const r of subs) r.send({ type: 'begin' });
    const t0 = performance.now();
    if (pauseMs === 'stuck') {
      slow.proc.kill('SIGSTOP');
      await sleep(WINDOW_MS);
    } else {
      await sleep(300);
      slow.proc.kill('SIGSTOP');
      await sleep(pauseMs);
      slow.proc.kill('SIGCONT');
      await sleep(WINDOW_MS - 300 - pauseMs);
    }
    for (const r of subs.slice(0, 2)) r.send({ type: 'end' });
    const healthyWindow = (performance.now() - t0) / 1000;
    const healthy = await Promise.all(subs.slice(0, 2).map((r) => r.next('result')));
    slow.proc.kill('SIGCONT');
    await sleep(300); // let it drain what it was given
    slow.send({ type: 'end' });
    const slowWindow = (performance.now() - t0) / 1000;
    const slowRes = await slow.next('result');
    return {
      healthy: Math.min(...healthy.map((m) => (m.count as number) / (RATE * healthyWindow))),
      slowLoss: 1 - (slowRes.count as number) / (RATE * slowWindow),
      healthyP99: Math.max(...healthy.map((m) => m.p99 as number)),
    };
  } finally {
    for (const r of roles) {
      r.proc.kill('SIGCONT');
      r.kill();
    }
    await hub.stop();
  }
}

function buildNative(): string {
  const dir = join(tmpdir(), 'zeek-relay-bench');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'native');
  execFileSync('cc', ['-O2', '-o', out, NATIVE_C, '-lzmq'], { stdio: 'pipe' });
  return out;
}

const pct = (x: number) => `${(Math.max(0, x) * 100).toFixed(1)} %`;
const native = buildNative();
const rows: Array<[string, Outcome]> = [];
for (const [label, mode, hwm, pause] of [
  ['drop, HWM 10000, stuck', 'drop', 10_000, 'stuck'],
  ['block, HWM 10000, stuck', 'block', 10_000, 'stuck'],
  ['drop, HWM 1000, 300 ms pause', 'drop', 1000, 300],
  ['drop, HWM 10000, 300 ms pause', 'drop', 10_000, 300],
  ['block, HWM 10000, 300 ms pause', 'block', 10_000, 300],
] as const) {
  rows.push([label, await scenario(native, mode, hwm, pause)]);
}
console.log(
  `offered ${RATE} events/s for ${WINDOW_MS} ms; healthy = share of offered events each healthy subscriber received`,
);
console.log('scenario                          healthy   healthy p99 ms   frozen one lost');
for (const [label, o] of rows)
  console.log(
    `${label.padEnd(32)} ${pct(o.healthy).padStart(8)} ${o.healthyP99.toFixed(1).padStart(16)} ${pct(o.slowLoss).padStart(17)}`,
  );
if (process.argv.includes('--json')) {
  const byLabel = new Map(rows);
  const drop = byLabel.get('drop, HWM 10000, stuck')!;
  const block = byLabel.get('block, HWM 10000, stuck')!;
  console.log(
    JSON.stringify({
      results: [
        {
          name: 'hub.isolation.healthy_share',
          subject: 'drop mode, stuck subscriber',
          anchor: 'block mode, stuck subscriber',
          unit: 'share of offered events',
          ratio: drop.healthy / block.healthy,
          goal: null,
          higherIsBetter: true,
        },
      ],
    }),
  );
}
