/**
 * `node dist/bench/render.bench.js [--batches N] [--rounds N] [--profile zeek-8.0|zeek-8.2]`: CPU
 * time per record of rendering alone (one thread, no sockets, no files) for the generic
 * per-value path and the per-schema specialised loop, interleaved in one process on the
 * benchmark's conn-like batch; medians of `--rounds` (5). Last line: `{"results":[…]}`
 * (ratio = generated loop / generic path CPU per record, lower is better) with the medians.
 */
import {
  createJsonRenderer,
  createLogBatchDecoder,
  createTsvRenderer,
  type LogTextRenderer,
} from '@zeek-relay/wire';
import { connLikeBatch } from './conn-like-batch.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

const batches = Number(arg('batches', '200'));
const rounds = Number(arg('rounds', '5'));
const profile = arg('profile', 'zeek-8.2') as 'zeek-8.0' | 'zeek-8.2';
const payload = connLikeBatch(1000);
const { header, offset } = createLogBatchDecoder().decodeHeader(payload);

const variants: Record<string, LogTextRenderer> = {
  'tsv generic': createTsvRenderer(header, { numberProfile: profile, specialise: false }),
  'tsv specialised': createTsvRenderer(header, { numberProfile: profile }),
  'json generic': createJsonRenderer(header, { specialise: false }),
  'json specialised': createJsonRenderer(header, {}),
};

/** µs of process CPU per record for `batches` batches. */
function measure(r: LogTextRenderer): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < batches; i++) r.recordsFromPayload(payload, offset);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / (batches * 1000);
}

const names = Object.keys(variants);
for (const n of names) measure(variants[n] as LogTextRenderer); // warm-up
const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let k = 0; k < rounds; k++)
  for (const n of k % 2 === 0 ? names : [...names].reverse())
    samples[n]?.push(measure(variants[n] as LogTextRenderer));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const result: Record<string, number> = {};
for (const n of names) {
  const xs = samples[n] as number[];
  result[n] = median(xs);
  console.log(
    `${n.padEnd(18)} ${median(xs).toFixed(3)} µs/record (runs ${xs.map((x) => x.toFixed(3)).join(', ')})`,
  );
}
const ratio = (a: string, b: string): string => ((result[a] as number) / (result[b] as number)).toFixed(2);
console.log(
  `generic / specialised: TSV ${ratio('tsv generic', 'tsv specialised')}×, JSON ${ratio('json generic', 'json specialised')}×`,
);
/** The standard results line: CPU per record of each writer's generated loop against its generic path. */
const results = (['tsv', 'json'] as const).map((w) => {
  const subject = result[`${w} specialised`] as number;
  const anchor = result[`${w} generic`] as number;
  return {
    name: `render ${w}, generated loop vs generic path`,
    subject,
    anchor,
    unit: 'µs/record (CPU)',
    ratio: subject / anchor,
    goal: null,
    higherIsBetter: false,
  };
});
console.log(JSON.stringify({ results, profile, batches, rounds, medians: result }));
