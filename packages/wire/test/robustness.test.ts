/**
 * A quick pass over every fuzz target (the full ≥ 10^6-case run is `npm run fuzz`): decoders
 * only ever return or throw DecodeError; encoders round-trip.
 */
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fuzzTargets } from './helpers/fuzz-targets.js';

describe('decoders under random, truncated and mutated input', () => {
  for (const t of fuzzTargets(0.004)) {
    it(t.name, () => {
      fc.assert(
        fc.property(t.arb, (input) => void t.check(input as never)),
        { numRuns: Math.max(t.runs, 100) },
      );
    });
  }
});
