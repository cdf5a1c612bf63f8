#!/usr/bin/env node
/**
 * Builds the test images: `node test/dist/helpers/images/cli.js [--json] [--cache DIR]`.
 * Prints each reference and archive (with `--json`: one JSON line, the BuildResult), then the
 * timings of the steps that ran and the sizes. Progress goes to stderr.
 * Take `flock ~/.cache/zeek-relay/images/.lock` around it when other builds may run (ensureImages does).
 */
import { parseArgs } from 'node:util';
import { repoRoot } from '../k8s/index.js';
import { buildImages, defaultCacheDir } from './build.js';

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, cache: { type: 'string' } },
});

const result = await buildImages({ root: repoRoot(), cacheDir: values.cache ?? defaultCacheDir() });
if (values.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  for (const [name, img] of Object.entries(result.images))
    process.stdout.write(`${name.padEnd(9)} ${img.ref}\n          ${img.archive}\n`);
  for (const [step, ms] of Object.entries(result.timings))
    process.stdout.write(`time  ${step.padEnd(16)} ${(ms / 1000).toFixed(1)} s\n`);
  for (const [what, bytes] of Object.entries(result.sizes))
    process.stdout.write(`size  ${what.padEnd(16)} ${(bytes / 1e6).toFixed(1)} MB\n`);
}
