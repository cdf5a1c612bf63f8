#!/usr/bin/env node
// Checks that the project's test vectors have one home, packages/fixtures/data/, read through
// @zeek-relay/fixtures, and that no fixture exists twice.
//
// What counts as a fixture (the files checked are those git tracks plus new files it does not
// ignore, so a copy is caught before it is committed):
//   - every file under packages/fixtures/data/ (the home; its READMEs included);
//   - anywhere else, a file with a data extension (.json .jsonl .ndjson .yaml .yml .txt .log .csv
//     .tsv .hex .bin .dat .pcap .pcapng .pem .crt .key .der .zeek .xml .gz .zst) that lies below a
//     directory named test, tests, bench, fixtures, vectors or testdata; except the build and
//     package configuration files (package.json, tsconfig.json, tsconfig.*.json) and Helm chart
//     templates (charts/<chart>/templates/…, which ship with the chart).
// Problems reported (exit 1):
//   - a fixture outside packages/fixtures/data/ ("test data outside packages/fixtures/data");
//   - two or more non-empty files with the same bytes where at least one is a fixture ("byte-
//     identical copies"), wherever the other copies are.
// Usage: check-fixtures.mjs [--repo DIR]   (default: cwd). Exit 0 clean, 1 problems, 2 usage or git error.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOME = 'packages/fixtures/data/';
const DATA_EXTENSIONS =
  /\.(json|jsonl|ndjson|ya?ml|txt|log|csv|tsv|hex|bin|dat|pcap|pcapng|pem|crt|key|der|zeek|xml|gz|zst)$/;
const DATA_DIRS = new Set(['test', 'tests', 'bench', 'fixtures', 'vectors', 'testdata']);
const CONFIG_FILES = /(^|\/)(package\.json|tsconfig(\.[^/]+)?\.json)$/;
const CHART_TEMPLATES = /^charts\/[^/]+\/templates\//;

/** Parses argv into { repo }; throws a usage message on unknown options. */
export function parseArgs(argv, cwd = process.cwd()) {
  let repo = cwd;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--repo' && argv[i + 1] !== undefined) repo = resolve(cwd, argv[++i]);
    else if (a.startsWith('--repo=')) repo = resolve(cwd, a.slice('--repo='.length));
    else throw new Error(`unknown argument ${a} (usage: check-fixtures.mjs [--repo DIR])`);
  }
  return { repo };
}

/** Whether `path` (relative, `/`-separated) is a fixture by the definition above. */
export function isFixture(path) {
  if (path.startsWith(HOME)) return true;
  if (!DATA_EXTENSIONS.test(path) || CONFIG_FILES.test(path) || CHART_TEMPLATES.test(path)) return false;
  return path
    .split('/')
    .slice(0, -1)
    .some((dir) => DATA_DIRS.has(dir));
}

/** Files git tracks or would add (not ignored), relative to repo, that exist in the work tree. */
function repoFiles(repo) {
  const out = execFileSync(
    'git',
    ['-C', repo, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    },
  );
  const files = new Set(out.split('\0').filter(Boolean));
  return [...files].filter((f) => existsSync(join(repo, f)) && statSync(join(repo, f)).isFile()).sort();
}

/** Runs the check; returns { problems: string[], fixtures, home }. */
export function check({ repo }) {
  const files = repoFiles(repo);
  const problems = [];
  const byHash = new Map();
  let fixtures = 0;
  for (const f of files) {
    const fixture = isFixture(f);
    if (fixture) fixtures++;
    if (fixture && !f.startsWith(HOME)) {
      problems.push(
        `${f}: test data outside ${HOME} (move it there and read it with @zeek-relay/fixtures: fixturePath, readFixture, readJsonFixture)`,
      );
    }
    const bytes = readFileSync(join(repo, f));
    if (bytes.length === 0) continue;
    const hash = createHash('sha256').update(bytes).digest('hex');
    const group = byHash.get(hash) ?? { files: [], fixture: false };
    group.files.push(f);
    group.fixture ||= fixture;
    byHash.set(hash, group);
  }
  for (const { files: same, fixture } of byHash.values()) {
    if (same.length > 1 && fixture) {
      problems.push(`byte-identical copies (keep one in ${HOME}, read it from there): ${same.join(', ')}`);
    }
  }
  return { problems, fixtures, home: files.filter((f) => f.startsWith(HOME)).length };
}

function main() {
  let result;
  try {
    result = check(parseArgs(process.argv.slice(2)));
  } catch (err) {
    console.error(`check-fixtures: ${err.message.split('\n')[0]}`);
    process.exit(2);
  }
  for (const p of result.problems) console.error(p);
  if (result.problems.length === 0) {
    console.log(`check-fixtures: ${result.fixtures} fixture files, all in ${HOME}, no byte-identical copies`);
  } else {
    console.log(`check-fixtures: ${result.problems.length} problem(s) in ${result.fixtures} fixture files`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
