/**
 * The Zeek scripts the operator generates for every sample in deploy/samples/, for every Zeek
 * release line, judged by a parser that is not ours (zeekscript, Zeek's tree-sitter grammar) and
 * by facts read from Zeek's own scripts (packages/fixtures/data/zeek-scripts/facts.json):
 * - every file parses;
 * - every redef'd identifier exists in that line, every @load exists and is not deprecated there;
 * - the log endpoints each Zeek node computes from the generated layout (Zeek's zeek_init rule,
 *   facts.json `layout`) are exactly the log sinks: no `tcp://…:0` from a node without `$p`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readJsonFixture } from '@zeek-relay/fixtures';
import { ZEEK_LINES, parseZeekVersion, type ZeekLine } from '@zeek-relay/runtime';
import { assertZeekSupports, buildDesired } from '../../src/controller/reconcile.js';
import { validateSpec } from '../../src/api/v1alpha1/validate.js';
import type { ZeekCluster } from '../../src/api/v1alpha1/zeekcluster.js';
import { IMAGES, observe } from '../helpers.js';
import {
  findAll,
  hasPython,
  parseZeekScripts,
  textOf,
  type ParsedScript,
  type ZeekNode,
} from './zeekscript.js';

interface Facts {
  options: Record<string, { lines: ZeekLine[] }>;
  events: Record<string, { lines: ZeekLine[] }>;
  functions: Record<string, { lines: ZeekLine[] }>;
  identifiers: Record<string, { lines: ZeekLine[] }>;
  loads: Record<string, { lines: ZeekLine[]; deprecated?: ZeekLine[] }>;
}
const facts = readJsonFixture<Facts>('zeek-scripts', 'facts.json');

const REPO = new URL('../../../../../', import.meta.url).pathname;
/** Versions checked: every release line, and 8.0.0 (the first 8.0, 3-element events). */
const VERSIONS = ['8.0.0', ...ZEEK_LINES];

/** Every ZeekCluster in deploy/samples/ (a file may hold other objects too). */
function samples(): ZeekCluster[] {
  const dir = join(REPO, 'deploy', 'samples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as unknown))
    .filter((o): o is { kind: string; metadata: { name: string }; spec: unknown } =>
      Boolean(o && (o as { kind?: string }).kind === 'ZeekCluster'),
    )
    .map((o) => ({
      apiVersion: 'zeek-relay.io/v1alpha1',
      kind: 'ZeekCluster',
      metadata: { name: o.metadata.name, namespace: 'ns', uid: 'uid-1', generation: 1 },
      spec: validateSpec(o.spec),
    }));
}

/** A Cluster::nodes entry as Zeek would see it. */
interface LayoutNode {
  name: string;
  type: string;
  ip: string;
  /** Port number of `$p`; 0 when absent (`&default=0/unknown`). */
  port: number;
}

const redefs = (tree: ZeekNode): Map<string, ZeekNode> =>
  new Map(
    findAll(tree, 'redef_decl').map((d) => {
      const kids = d.children ?? [];
      return [textOf(kids.find((k) => k.type === 'id')!), kids.find((k) => k.type === 'initializer')!];
    }),
  );

const initValue = (init: ZeekNode): ZeekNode => (init.children ?? []).find((c) => c.type === 'expr')!;

/** The entries of `redef Cluster::nodes = { ["name"] = [$f=v, …], … }`. */
function layoutNodes(tree: ZeekNode): LayoutNode[] {
  const init = redefs(tree).get('Cluster::nodes');
  assert.ok(init, 'the layout redefs Cluster::nodes');
  const list = (initValue(init).children ?? []).find((c) => c.type === 'expr_list');
  const entries = (list?.children ?? []).filter((c) => c.type === 'expr');
  return entries.map((e) => {
    const [index, , record] = (e.children ?? []).filter((c) => c.type !== ',');
    const fields = new Map(
      findAll(record!, 'expr')
        .filter((f) => f.children?.[0]?.type === '$')
        .map((f) => [f.children![1]!.text!, textOf(f.children![3]!)]),
    );
    const p = fields.get('p');
    return {
      name: JSON.parse(textOf(index!).slice(1, -1)) as string,
      type: fields.get('node_type') ?? '',
      ip: fields.get('ip') ?? '',
      port: p === undefined ? 0 : Number.parseInt(p, 10),
    };
  });
}

/** Zeek's addr_to_uri: IPv6 in brackets. The layout writes IPv6 literals as `[…]` already. */
const uri = (ip: string): string => (ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip);

/**
 * `connect_log_endpoints` as node `self` computes it in zeek_init (facts.json `layout`): nothing on
 * a logger (or the manager while it is the logger); else the redef'd list, then one endpoint per
 * LOGGER entry and, while manager_is_logger, one for the MANAGER entry.
 */
function zeekLogEndpoints(
  nodes: readonly LayoutNode[],
  managerIsLogger: boolean,
  redefd: readonly string[],
  self: LayoutNode,
): string[] | undefined {
  if (self.type === 'Cluster::LOGGER') return undefined;
  if (managerIsLogger && self.type === 'Cluster::MANAGER') return undefined;
  const out = [...redefd];
  for (const n of nodes) {
    if (n.type === 'Cluster::LOGGER') out.push(`tcp://${uri(n.ip)}:${n.port}`);
    if (managerIsLogger && n.type === 'Cluster::MANAGER') out.push(`tcp://${n.ip}:${n.port}`);
  }
  return out;
}

/** The field name of a `x$field` expression (none for other expressions). */
const fieldOf = (e: ZeekNode): string[] => {
  const kids = e.children ?? [];
  return kids.length === 3 && kids[1]?.type === '$' && kids[2]?.type === 'id' ? [kids[2].text ?? ''] : [];
};

const stringsOf = (init: ZeekNode): string[] =>
  findAll(init, 'string').map((s) => JSON.parse(s.text ?? '""') as string);

/** Handler or function name → the functions its body calls (`id (` in an expression). */
function callsByHandler(tree: ZeekNode): Map<string, Set<string>> {
  const calls = new Map<string, Set<string>>();
  for (const f of findAll(tree, 'func_decl')) {
    const hdr = findAll(f, 'func_hdr')[0]!;
    const name = findAll(hdr, 'id')[0]?.text ?? '';
    const called = new Set<string>();
    for (const e of findAll(f.children!.find((k) => k.type === 'func_body')!, 'expr')) {
      const [id, paren] = e.children ?? [];
      if (id?.type === 'id' && paren?.type === '(') called.add(id.text ?? '');
    }
    calls.set(name, called);
  }
  return calls;
}

/** Names a script declares itself (globals, consts, functions), bare and with its module prefix. */
function declaredNames(tree: ZeekNode): Set<string> {
  const module = findAll(tree, 'module_decl').map((m) => findAll(m, 'id')[0]?.text ?? '')[0];
  const names = new Set<string>();
  for (const type of ['global_decl', 'const_decl', 'option_decl'])
    for (const d of findAll(tree, type)) names.add(findAll(d, 'id')[0]?.text ?? '');
  for (const f of findAll(tree, 'func_decl'))
    if (findAll(f, 'func_hdr')[0]?.children?.[0]?.children?.[0]?.type === 'function')
      names.add(findAll(findAll(f, 'func_hdr')[0]!, 'id')[0]?.text ?? '');
  if (module) for (const n of [...names]) if (!n.includes('::')) names.add(`${module}::${n}`);
  return names;
}

/** What the checks need from one generated configuration. */
interface Case {
  readonly zc: ZeekCluster;
  readonly version: string;
  readonly files: Record<string, string>;
}

let dir: string;
let python = true;
const cases: Case[] = [];
const refused: { zc: ZeekCluster; version: string; err: unknown }[] = [];
let parsed: Record<string, ParsedScript> = {};

before(async () => {
  python = await hasPython();
  dir = mkdtempSync(join(tmpdir(), 'zr-zeek-scripts-'));
  for (const base of samples()) {
    for (const version of VERSIONS) {
      const zc: ZeekCluster = { ...base, spec: validateSpec({ ...base.spec, zeekVersion: version }) };
      try {
        assertZeekSupports(zc, IMAGES);
      } catch (err) {
        refused.push({ zc, version, err });
        continue;
      }
      const cm = buildDesired(zc, IMAGES, observe()).objects.find((o) => o.kind === 'ConfigMap');
      const data = (cm as unknown as { data: Record<string, string> }).data;
      const files: Record<string, string> = {};
      for (const [name, text] of Object.entries(data)) {
        const path = join(dir, `${zc.metadata.name}-${version}-${name}`);
        writeFileSync(path, text);
        files[name] = path;
      }
      cases.push({ zc, version, files });
    }
  }
  if (python) parsed = await parseZeekScripts(cases.flatMap((c) => Object.values(c.files)));
});

after(() => rmSync(dir, { recursive: true, force: true }));

const line = (v: string): ZeekLine => parseZeekVersion(v)!.line;

describe('generated Zeek scripts of every sample, for every Zeek version', () => {
  test('there are samples and versions to check, and only udp mode is refused below 9.0', () => {
    assert.ok(cases.length >= 3 * VERSIONS.length, `${cases.length} configurations`);
    for (const r of refused) {
      assert.equal(r.zc.spec.workers.capture.mode, 'udp');
      assert.notEqual(line(r.version), '9.0');
      assert.equal((r.err as { reason?: string }).reason, 'UnsupportedByZeekVersion');
    }
  });

  test('zeekscript parses every file', (t) => {
    if (!python) return t.skip('no python3 on this machine');
    for (const c of cases)
      for (const path of Object.values(c.files)) {
        const p = parsed[path]!;
        assert.ok(p.ok, `${path}: ${p.error}`);
      }
  });

  test("every redef'd option and every @load exists in that Zeek line (facts.json)", (t) => {
    if (!python) return t.skip('no python3 on this machine');
    for (const c of cases) {
      const l = line(c.version);
      for (const path of Object.values(c.files)) {
        const tree = parsed[path]!.tree;
        for (const id of redefs(tree).keys())
          assert.ok(facts.options[id]?.lines.includes(l), `${path}: ${id} is not an option of Zeek ${l}`);
        for (const d of findAll(tree, 'preproc_directive')) {
          if (d.children?.[0]?.type !== '@load') continue;
          const file = textOf(d.children[1]!);
          const known = facts.loads[file];
          assert.ok(known?.lines.includes(l), `${path}: @load ${file} does not exist in Zeek ${l}`);
          assert.ok(!known?.deprecated?.includes(l), `${path}: @load ${file} is deprecated in Zeek ${l}`);
        }
      }
    }
  });

  test('8.0 loads the connect script (it starts the backend), 8.1+ the package', (t) => {
    if (!python) return t.skip('no python3 on this machine');
    for (const c of cases) {
      const tree = parsed[c.files['zeek-relay.zeek']!]!.tree;
      const loads = findAll(tree, 'preproc_directive').map((d) => textOf(d.children![1]!));
      const want =
        line(c.version) === '8.0'
          ? 'frameworks/cluster/backend/zeromq/connect'
          : 'frameworks/cluster/backend/zeromq';
      assert.deepEqual(loads, [want], `${c.zc.metadata.name} ${c.version}`);
    }
  });

  test('every Zeek node of the layout sends its logs to exactly the log sinks', (t) => {
    if (!python) return t.skip('no python3 on this machine');
    for (const c of cases) {
      const layout = parsed[c.files['cluster-layout.zeek']!]!.tree;
      const policy = parsed[c.files['zeek-relay.zeek']!]!.tree;
      const mil = redefs(layout).get('Cluster::manager_is_logger');
      assert.ok(mil, 'manager_is_logger is decided in the layout');
      const managerIsLogger = textOf(initValue(mil)) === 'T';
      const nodes = layoutNodes(layout);
      const redefd = stringsOf(redefs(policy).get('Cluster::Backend::ZeroMQ::connect_log_endpoints')!);
      const { name } = c.zc.metadata;
      const sinks = Array.from(
        { length: c.zc.spec.logSinks.replicas },
        (_, i) => `tcp://${name}-log-sink-${i}.${name}-log-sink.ns.svc:27764`,
      );
      assert.ok(nodes.some((n) => n.type === 'Cluster::MANAGER'));
      for (const n of nodes) {
        const endpoints = zeekLogEndpoints(nodes, managerIsLogger, redefd, n);
        assert.deepEqual(endpoints, sinks, `${name} ${c.version}: node ${n.name}`);
      }
    }
  });

  test('pcap mode: the worker holds the trace until node_up, then reads it and terminates at its end', (t) => {
    if (!python) return t.skip('no python3 on this machine');
    const offline = cases.filter((c) => c.files['zeek-relay-offline.zeek'] !== undefined);
    assert.ok(offline.length >= VERSIONS.length, 'the pcap sample, for every version');
    for (const c of offline) {
      const tree = parsed[c.files['zeek-relay-offline.zeek']!]!.tree;
      const calls = callsByHandler(tree);
      const l = line(c.version);
      for (const [event, called] of calls) {
        assert.ok(facts.events[event]?.lines.includes(l), `${c.version}: no event ${event} in Zeek ${l}`);
        for (const fn of called)
          assert.ok(facts.functions[fn]?.lines.includes(l), `${c.version}: no function ${fn} in Zeek ${l}`);
      }
      assert.ok(calls.get('zeek_init')?.has('suspend_processing'), `${c.version}: suspend in zeek_init`);
      assert.ok(
        calls.get('Cluster::node_up')?.has('continue_processing'),
        `${c.version}: continue on node_up`,
      );
      assert.ok(calls.get('Pcap::file_done')?.has('terminate'), `${c.version}: terminate at the end`);
    }
  });

  test("the manager's event-signatures script uses only what every Zeek line has (facts.json)", (t) => {
    if (!python) return t.skip('no python3 on this machine');
    const withSignatures = cases.filter((c) => c.files['event-signatures.zeek'] !== undefined);
    assert.ok(withSignatures.length >= VERSIONS.length, 'shipped for every version');
    for (const c of cases)
      assert.equal(
        c.files['event-signatures.zeek'] !== undefined,
        c.zc.spec.gateway.enabled,
        c.zc.metadata.name,
      );
    for (const c of withSignatures) {
      const tree = parsed[c.files['event-signatures.zeek']!]!.tree;
      const l = line(c.version);
      const own = declaredNames(tree);
      const where = `${c.zc.metadata.name} ${c.version}`;
      const known = (kind: 'functions' | 'events' | 'identifiers', id: string): boolean =>
        facts[kind][id]?.lines.includes(l) ?? false;
      for (const [handler, called] of callsByHandler(tree)) {
        assert.ok(own.has(handler) || known('events', handler), `${where}: no event ${handler} in Zeek ${l}`);
        for (const fn of called)
          assert.ok(own.has(fn) || known('functions', fn), `${where}: no function ${fn} in Zeek ${l}`);
      }
      for (const id of new Set(findAll(tree, 'id').map((i) => i.text ?? ''))) {
        if (!id.includes('::') || own.has(id) || id.startsWith('ZeekRelay')) continue;
        const ok = known('functions', id) || known('events', id) || known('identifiers', id);
        assert.ok(ok, `${where}: ${id} is not declared in Zeek ${l}`);
      }
      for (const field of new Set(findAll(tree, 'expr').flatMap(fieldOf)))
        assert.ok(
          Object.keys(facts.identifiers).some((k) => k.endsWith(`$${field}`) && known('identifiers', k)),
          `${where}: no record field $${field} in Zeek ${l}`,
        );
      assert.equal(findAll(tree, 'preproc_directive').length, 0, `${where}: loads nothing`);
    }
  });

  test('the endpoint rule finds the bug: a logger entry without $p is a dead tcp://…:0 endpoint', () => {
    const nodes: LayoutNode[] = [
      { name: 'manager', type: 'Cluster::MANAGER', ip: '127.0.0.1', port: 0 },
      { name: 'logger-1', type: 'Cluster::LOGGER', ip: '127.0.0.1', port: 0 },
      { name: 'worker-1', type: 'Cluster::WORKER', ip: '127.0.0.1', port: 0 },
    ];
    assert.deepEqual(zeekLogEndpoints(nodes, false, ['tcp://sink:27764'], nodes[2]!), [
      'tcp://sink:27764',
      'tcp://127.0.0.1:0',
    ]);
    assert.equal(zeekLogEndpoints(nodes, false, [], nodes[1]!), undefined);
  });
});
