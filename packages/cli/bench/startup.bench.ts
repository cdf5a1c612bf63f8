/**
 * `npm run bench:cli [-- --json] [--runs N]`: start-up time of the `zeek-relay` command.
 * Subjects: `zeek-relay --version` and `zeek-relay --help` through the committed launcher
 * (`bin/zeek-relay.js`, what `npx zeek-relay` runs). Anchor: `node -e 0`, the runtime's own start-up,
 * measured in the same run. Each round runs the anchor and both subjects once, in turn
 * (interleaved, so load drifts hit all three alike); the figures are medians of N rounds (default
 * 15, at least 9) of the wall time from spawn to exit. Ratio = subject / anchor (lower is better);
 * the absolute goal is < 150 ms on a quiet machine.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const json = process.argv.includes('--json');
const runsArg = process.argv.indexOf('--runs');
const runs = Math.max(9, runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15);
const bin = fileURLToPath(new URL('../../bin/zeek-relay.js', import.meta.url));

const CASES = [
  { name: 'anchor', args: ['-e', '0'] },
  { name: 'zeek-relay --version', args: [bin, '--version'] },
  { name: 'zeek-relay --help', args: [bin, '--help'] },
] as const;

/** Wall time (ms) of one run; throws if the command fails, so a broken CLI never looks fast. */
function timeOnce(args: readonly string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${String(r.stderr)}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

for (const c of CASES) timeOnce(c.args); // warm the file cache and the compile cache
const samples = CASES.map(() => [] as number[]);
for (let i = 0; i < runs; i++) CASES.forEach((c, k) => (samples[k] as number[]).push(timeOnce(c.args)));
const [anchor, ...subjects] = samples.map(median) as [number, ...number[]];

process.stdout.write(
  `zeek-relay start-up, median of ${runs} interleaved runs (load average ${loadavg()[0]?.toFixed(1)}):\n` +
    `  node -e 0 (anchor): ${anchor.toFixed(1)} ms\n`,
);
const results = subjects.map((ms, k) => {
  const name = (CASES[k + 1] as (typeof CASES)[number]).name;
  const ratio = ms / anchor;
  process.stdout.write(
    `  ${name}: ${ms.toFixed(1)} ms = ${ratio.toFixed(2)}× the anchor (goal ≤ 3×; < 150 ms absolute on a quiet machine)\n`,
  );
  return {
    name: `${name} start-up vs node -e 0`,
    subject: ms,
    anchor,
    unit: 'ms',
    ratio,
    goal: 3,
    higherIsBetter: false,
  };
});
if (json) process.stdout.write(`${JSON.stringify({ results })}\n`);
