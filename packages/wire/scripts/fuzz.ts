/**
 * `npm run fuzz -w @zeek-relay/wire [-- --scale 2 --seed 42]`: runs ≥ 10^6 generated cases
 * (scale 1) through every decoder of the package and checks that each one either returns or
 * throws a `DecodeError` — never anything else — plus round-trip properties of the encoders.
 * Prints one line per target and a total; exits 1 on the first counterexample (fast-check shrinks
 * it and prints the seed to replay).
 */
import fc from 'fast-check';
import { fuzzTargets } from '../test/helpers/fuzz-targets.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? def : Number(args[i + 1]);
};
const scale = opt('scale', 1);
const seed = opt('seed', Date.now() % 2 ** 31);
const targets = fuzzTargets(scale);

console.log(`fuzz: seed ${seed}, scale ${scale}`);
let total = 0;
const started = performance.now();
for (const t of targets) {
  let ok = 0;
  let rejected = 0;
  const t0 = performance.now();
  fc.assert(
    fc.property(t.arb, (input) => {
      if (t.check(input as never) === 'ok') ok++;
      else rejected++;
    }),
    { numRuns: t.runs, seed, endOnFailure: false },
  );
  total += t.runs;
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `${t.name.padEnd(48)} ${String(t.runs).padStart(8)} cases  ${String(ok).padStart(8)} ok  ${String(rejected).padStart(8)} DecodeError  ${secs.toFixed(1)} s`,
  );
}
console.log(
  `fuzz: ${total} cases in ${((performance.now() - started) / 1000).toFixed(1)} s, no exception other than DecodeError`,
);
