import { readFileSync } from 'node:fs';

/** One Dockerfile instruction, continuation lines joined, comments dropped. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** A `COPY` with its flags split from sources and destination. */
export interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
  readonly line: number;
}

/** One build stage: `FROM <image> [AS <name>]` and what follows it. */
export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
  readonly copies: readonly Copy[];
  readonly workdir: string | undefined;
}

export interface Dockerfile {
  readonly args: ReadonlyMap<string, string>;
  readonly stages: readonly Stage[];
}

/**
 * A small Dockerfile reader for the image tests (this machine has no Docker engine): enough of the
 * syntax our Dockerfiles use — `\` continuations, `#` comments, global ARGs, stages, COPY flags and
 * JSON-form sources. It rejects heredocs and other forms it does not understand rather than guessing.
 */
export function parseDockerfile(path: string): Dockerfile {
  const lines = readFileSync(path, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  let buf = '';
  let start = 0;
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (buf === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (buf === '') start = i + 1;
    if (line.endsWith('\\')) {
      buf += line.slice(0, -1) + ' ';
      return;
    }
    buf += line;
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(buf);
    if (!m) throw new Error(`${path}:${start}: cannot parse "${buf}"`);
    if (buf.includes('<<')) throw new Error(`${path}:${start}: heredocs are not supported by this reader`);
    instructions.push({ keyword: (m[1] ?? '').toUpperCase(), args: (m[2] ?? '').trim(), line: start });
    buf = '';
  });
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  let current:
    | {
        image: string;
        name: string | undefined;
        instructions: Instruction[];
        copies: Copy[];
        workdir: string | undefined;
      }
    | undefined;
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`${path}:${ins.line}: bad FROM`);
      current = { image: m[1] ?? '', name: m[2], instructions: [], copies: [], workdir: undefined };
      stages.push(current);
      continue;
    }
    if (!current) {
      if (ins.keyword !== 'ARG') throw new Error(`${path}:${ins.line}: ${ins.keyword} before FROM`);
      const [k, v] = ins.args.split('=', 2);
      args.set(k ?? '', v ?? '');
      continue;
    }
    current.instructions.push(ins);
    if (ins.keyword === 'WORKDIR') current.workdir = ins.args;
    if (ins.keyword === 'COPY') current.copies.push(parseCopy(path, ins));
  }
  return { args, stages };
}

function parseCopy(path: string, ins: Instruction): Copy {
  const words = ins.args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() ?? '';
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
    else if (!/^--(chown|chmod|link)(=|$)/.test(flag))
      throw new Error(`${path}:${ins.line}: unsupported COPY flag ${flag}`);
  }
  if (words[0]?.startsWith('['))
    throw new Error(`${path}:${ins.line}: JSON-form COPY not supported by this reader`);
  if (words.length < 2) throw new Error(`${path}:${ins.line}: COPY needs a source and a destination`);
  const dest = words.pop() ?? '';
  return { from, sources: words, dest, line: ins.line };
}

/** The JSON-form ENTRYPOINT of a stage, or undefined. */
export function entrypoint(stage: Stage): string[] | undefined {
  const ins = stage.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  return ins ? (JSON.parse(ins.args) as string[]) : undefined;
}

/**
 * Whether `.dockerignore` patterns exclude a context path (Docker's rules for the forms we use:
 * `**` any depth, `*` within one segment, a match of a parent directory excludes its contents,
 * later `!` patterns re-include).
 */
export function isIgnored(patterns: readonly string[], path: string): boolean {
  let ignored = false;
  const parts = path.split('/');
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      '^' +
        pattern
          .split('/')
          .map((seg) =>
            seg === '**'
              ? '(?:.*)'
              : seg
                  .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                  .replace(/\*/g, '[^/]*')
                  .replace(/\?/g, '[^/]'),
          )
          .join('/')
          .replace(/\(\?:\.\*\)\//g, '(?:.*/)?') +
        '$',
    );
    for (let n = 1; n <= parts.length; n++) {
      if (re.test(parts.slice(0, n).join('/'))) {
        ignored = !negate;
        break;
      }
    }
  }
  return ignored;
}

/** Non-comment, non-empty lines of a .dockerignore file. */
export function readDockerignore(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
