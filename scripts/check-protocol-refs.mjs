#!/usr/bin/env node
// Checks that every section reference in the repository (S = the section sign, U+00A7:
// `zeromq-wire.md S8.2`, a bare `S5` after a protocol document was named earlier in the same file,
// ranges `S1.3–S1.7` / `S4–6` and lists `S5.1/5.2`) points at a heading of a document in
// docs/protocol/: `## 3. Title` or `### 3.2 Title`. (This file writes S so it cites nothing itself.)
// A reference belongs to the protocol document named last before it (same line first, else earlier
// in the file); inside docs/protocol/X.md a bare reference means X itself.
// Scans git-tracked .ts .mjs .js .md .sh .yaml .yml .zeek files, without packages/fixtures/data/
// and without docs/protocol/ (those documents are scanned from the docs folder instead).
// Usage: check-protocol-refs.mjs [--repo DIR] [--docs DIR]   (defaults: cwd, <repo>/docs/protocol)
// Exit 0 when every reference resolves, 1 when one does not, 2 on a usage or git error.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SECTION = '\u00a7'; // written as an escape so this file holds no reference itself
const NUM = String.raw`\d+(?:\.\d+)*`;
// One reference: `SN`, optionally continued by `–N`, `-SN`, `/N`, `—SN` (range or list).
const REF = new RegExp(`${SECTION} ?(${NUM})((?: ?[\\u2013\\u2014/-] ?${SECTION}? ?${NUM})*)`, 'g');
const MORE = new RegExp(`[\\u2013\\u2014/-] ?${SECTION}? ?(${NUM})`, 'g');
// A document name directly followed by a section sign marks it as a protocol document name.
const NAMED_REF = new RegExp(`([A-Za-z0-9_][\\w-]*)\\.md[\`'"*\\s(\\[]*${SECTION}`, 'g');
// A word right before a section sign (`websocket-v1 S1.3`, `websocket-v1 spec S3.4`, `STYLE S2`).
const WORD_REF = new RegExp(
  `(?<![\\w.-])([A-Za-z][\\w-]*)(?:\\.md)?(?: spec)?[\`'"*]* ?\\(?(?=${SECTION})`,
  'g',
);
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Matches `name.md` for any of `names` (also inside a path: `../shared/spec/log-batch.md`). */
const nameRegex = (names) =>
  names.size === 0 ? null : new RegExp(`(?<![\\w-])(${alt(names)})\\.md(?![\\w-])`, 'g');
const alt = (names) => [...names].map(escapeRe).join('|');
/** An all-caps word right before a section sign (no parenthesis) names a non-protocol document: `STYLE S2.2`. */
const isCapsName = (w) => /^[A-Z]{3,}(?:-[A-Z0-9]+)*$/.test(w);
const EXTENSIONS = /\.(ts|mjs|js|md|sh|ya?ml|zeek)$/;
const EXCLUDED = ['packages/fixtures/data/', 'docs/protocol/'];

/** Parses argv into { repo, docs }; throws a usage message on unknown options. */
export function parseArgs(argv, cwd = process.cwd()) {
  let repo = cwd;
  let docs;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=')
      ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
      : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--repo') repo = resolve(cwd, value());
    else if (flag === '--docs') docs = resolve(cwd, value());
    else throw new Error(`unknown argument ${a} (usage: check-protocol-refs.mjs [--repo DIR] [--docs DIR])`);
  }
  return { repo, docs: docs ?? join(repo, 'docs', 'protocol') };
}

/** Heading numbers of a Markdown document (`## 3.` → "3", `### 3.2 Title` → "3.2"), outside code fences. */
export function headingNumbers(text) {
  const out = new Set();
  let fence = null;
  for (const line of text.split(/\r?\n/)) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const m = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?(?:\s|$)/.exec(line);
    if (m) out.add(m[1]);
  }
  return out;
}

/** All section numbers one reference match stands for (both ends of a range, every list item). */
function numbersOf(match) {
  const nums = [match[1]];
  for (const m of (match[2] ?? '').matchAll(MORE)) nums.push(m[1]);
  return nums;
}

/**
 * References of one file: [{ line, doc, section }]; doc is null when no protocol document was
 * named before. `names` = the protocol document names (without .md); `initial` = the document
 * itself when scanning a protocol document: there a bare reference means that document unless
 * another one is named earlier on the same line.
 */
export function findReferences(text, names, initial = null) {
  const refs = [];
  let current = initial;
  const anyName = nameRegex(names);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (initial !== null) current = initial; // in a protocol document a name only reaches to the end of its line
    const events = [];
    if (anyName) for (const m of line.matchAll(anyName)) events.push({ at: m.index, name: m[1] });
    if (!line.includes(SECTION)) {
      if (events.length > 0) current = events[events.length - 1].name;
      continue;
    }
    for (const m of line.matchAll(WORD_REF)) {
      // `websocket-v1 S1.3` names a protocol document without `.md`; `STYLE S2` another document
      if (m[0].includes('.md')) continue; // already seen as name.md
      if (names.has(m[1]) || (isCapsName(m[1]) && !m[0].includes('(')))
        events.push({ at: m.index, name: m[1] });
    }
    for (const m of line.matchAll(REF)) events.push({ at: m.index, nums: numbersOf(m) });
    events.sort((a, b) => a.at - b.at);
    for (const e of events) {
      if (e.name) current = e.name;
      else for (const section of e.nums) refs.push({ line: i + 1, doc: current, section });
    }
  }
  return refs;
}

/** Git-tracked files to scan, relative to repo. */
function trackedFiles(repo) {
  const out = execFileSync('git', ['-C', repo, 'ls-files', '-z'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return out.split('\0').filter((f) => f && EXTENSIONS.test(f) && !EXCLUDED.some((p) => f.startsWith(p)));
}

/** Runs the check; returns { problems: string[], total, resolved, documents }. */
export function check({ repo, docs }) {
  const docFiles =
    existsSync(docs) && statSync(docs).isDirectory()
      ? readdirSync(docs)
          .filter((f) => f.endsWith('.md'))
          .sort()
      : [];
  const headings = new Map(
    docFiles.map((f) => [f.slice(0, -3), headingNumbers(readFileSync(join(docs, f), 'utf8'))]),
  );

  const sources = [];
  for (const f of trackedFiles(repo)) {
    const path = join(repo, f);
    if (!existsSync(path)) continue; // deleted in the work tree
    sources.push({ shown: f, text: readFileSync(path, 'utf8'), initial: null });
  }
  const docsShown = relative(repo, docs).startsWith('..') ? docs : relative(repo, docs) || '.';
  for (const f of docFiles) {
    sources.push({
      shown: join(docsShown, f),
      text: readFileSync(join(docs, f), 'utf8'),
      initial: f.slice(0, -3),
    });
  }

  const names = new Set(headings.keys());
  for (const s of sources) for (const m of s.text.matchAll(NAMED_REF)) names.add(m[1]);

  const problems = [];
  const documents = new Set();
  let total = 0;
  for (const s of sources) {
    for (const r of findReferences(s.text, names, s.initial)) {
      total++;
      if (r.doc === null) {
        problems.push(`${s.shown}:${r.line}: ${SECTION}${r.section} names no document`);
      } else if (!headings.get(r.doc)?.has(r.section)) {
        const missing = headings.has(r.doc) ? '' : ' (no such document)';
        problems.push(
          `${s.shown}:${r.line}: ${SECTION}${r.section} has no heading in docs/protocol/${r.doc}.md${missing}`,
        );
      } else {
        documents.add(r.doc);
      }
    }
  }
  return { problems, total, resolved: total - problems.length, documents: documents.size };
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`check-protocol-refs: ${err.message}`);
    process.exit(2);
  }
  let result;
  try {
    result = check(opts);
  } catch (err) {
    console.error(`check-protocol-refs: ${err.message.split('\n')[0]}`);
    process.exit(2);
  }
  for (const p of result.problems) console.error(p);
  const { total, resolved, documents, problems } = result;
  const docs = `${documents} document${documents === 1 ? '' : 's'}`;
  if (problems.length === 0) {
    console.log(`check-protocol-refs: ${total} references to ${docs} resolve`);
  } else {
    console.log(
      `check-protocol-refs: ${problems.length} of ${total} references do not resolve (${resolved} to ${docs} do)`,
    );
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
