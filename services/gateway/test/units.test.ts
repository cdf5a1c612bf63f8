import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { data } from '@zeek-relay/wire';
import {
  createAuthenticator,
  createSignatureChecker,
  defaultGatewayConfig,
  loadGatewayConfig,
  parseZeekType,
} from '../src/index.js';
import { converts } from '../src/signatures.js';
import { distinctSorted, parseSubscriptions } from '../src/subscriptions.js';
import { TopicIndex } from '../src/topic-index.js';

describe('TopicIndex', () => {
  const keys = (...p: string[]) => p.map(TopicIndex.key);
  test('reports prefixes newly needed and no longer needed (one 0x01/0x00 per transition)', () => {
    const idx = new TopicIndex<string>();
    assert.deepEqual(idx.add('a', keys('/x', '/y')), keys('/x', '/y'));
    assert.deepEqual(idx.add('b', keys('/x')), []);
    assert.deepEqual(idx.remove('a', keys('/x', '/y')), keys('/y'));
    assert.deepEqual(idx.remove('b', keys('/x')), keys('/x'));
    assert.equal(idx.size, 0);
  });
  test('visits each subscriber once per topic, byte-wise prefixes, "" matches all', () => {
    const idx = new TopicIndex<string>();
    idx.add('a', keys('/a', '/a/b', ''));
    idx.add('b', keys('/a/b/c'));
    idx.add('c', keys('/ab'));
    idx.add('u', keys('/ü'));
    const seen = (t: string) => {
      const out: string[] = [];
      idx.match(TopicIndex.key(t), (s) => out.push(s));
      return out.sort();
    };
    assert.deepEqual(seen('/a/b/c/d'), ['a', 'b']);
    assert.deepEqual(seen('/abc'), ['a', 'c']);
    assert.deepEqual(seen('/üx'), ['a', 'u']);
    assert.deepEqual(seen('zzz'), ['a']);
  });
  test('the same topic again sees every change made in between (the last match is remembered)', () => {
    const idx = new TopicIndex<string>();
    idx.add('a', keys('/t'));
    const seen = (t: string) => {
      const out: string[] = [];
      const n = idx.match(TopicIndex.key(t), (s) => out.push(s));
      assert.equal(n, out.length);
      return out.sort();
    };
    assert.deepEqual(seen('/t/x'), ['a']);
    assert.deepEqual(seen('/t/x'), ['a']);
    idx.add('b', keys('/t/'));
    assert.deepEqual(seen('/t/x'), ['a', 'b']);
    idx.remove('a', keys('/t'));
    assert.deepEqual(seen('/t/x'), ['b']);
    idx.add('a', keys(''));
    assert.deepEqual(seen('/t/x'), ['a', 'b']);
    assert.deepEqual(seen('/other'), ['a']);
    assert.deepEqual(seen('/t/x'), ['a', 'b']);
    // A change made while visiting takes effect from the next match on.
    const visited: string[] = [];
    idx.match(TopicIndex.key('/t/x'), (s) => {
      visited.push(s);
      if (s === 'a') idx.remove('b', keys('/t/'));
    });
    assert.deepEqual(visited.sort(), ['a', 'b']);
    assert.deepEqual(seen('/t/x'), ['a']);
  });
});

describe('subscription message', () => {
  test("Zeek's two errors; duplicates and empty prefix accepted", () => {
    assert.equal(parseSubscriptions('["a", "a", ""]').ok, true);
    assert.deepEqual(parseSubscriptions('[1]'), {
      ok: false,
      errorFrame:
        '{"type":"error","code":"deserialization_failed","context":"individual subscription not a string"}',
    });
    assert.equal(parseSubscriptions('["a"] x').ok, false);
    assert.deepEqual(distinctSorted(['/topic/good', '/duplicate', '/duplicate', '/is/okay']), [
      '/duplicate',
      '/is/okay',
      '/topic/good',
    ]);
  });
});

describe('event signatures', () => {
  test('Zeek type syntax', () => {
    assert.deepEqual(parseZeekType('vector of count'), {
      kind: 'vector',
      of: { kind: 'atomic', data: 'count' },
    });
    assert.throws(() => parseZeekType('table[string] count'), { code: 'ZR_GATEWAY_SIGNATURES_INVALID' });
    assert.throws(() => parseZeekType('strin'), { code: 'ZR_GATEWAY_SIGNATURES_INVALID' });
  });
  test('strict conversion like Zeek: count is not int, records need enough fields', () => {
    const rec = parseZeekType('record { a: count; b: string &optional; c: bool &default=T; }');
    assert.ok(converts(rec, data.vector(data.count(1), data.none(), data.boolean(false))));
    assert.ok(!converts(rec, data.vector(data.none(), data.none(), data.boolean(false))));
    assert.ok(!converts(rec, data.vector(data.count(1))));
    assert.ok(!converts(parseZeekType('int'), data.count(1)));
    assert.ok(
      converts(
        parseZeekType('table[string, count] of set[addr]'),
        data.table([data.vector(data.string('a'), data.count(1)), data.set(data.address('10.0.0.1'))]),
      ),
    );
    assert.ok(!converts(parseZeekType('enum { Test::RED }'), data.enumValue('Test::PURPLE')));
    const c = createSignatureChecker({ events: { ping: ['string', 'count'] } });
    assert.equal(c.accepts({ name: 'ping', args: [data.string('x'), data.count(1)] }), true);
    assert.equal(c.accepts({ name: 'ping', args: [data.string('x')] }), false);
    assert.equal(c.accepts({ name: 'pong', args: [] }), false);
  });
});

describe('tokens and config', () => {
  test('bearer tokens, plain or as SHA-256', () => {
    const a = createAuthenticator({
      tokens: [
        { name: 'x', token: 'abc' },
        { name: 'y', sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' },
      ],
    });
    assert.equal(a.authenticate('Bearer abc')?.name, 'x');
    assert.equal(a.authenticate('bearer test')?.name, 'y');
    assert.equal(a.authenticate('Bearer abd'), undefined);
    assert.equal(a.authenticate(undefined), undefined);
    assert.throws(() => createAuthenticator({ tokens: [{ name: 'z' }] }), {
      code: 'ZR_GATEWAY_TOKENS_INVALID',
    });
  });
  test('ZR_GATEWAY_* variables and flags, every problem listed', () => {
    const c = loadGatewayConfig({
      argv: ['--port', '0', '--max-clients=5'],
      env: {
        ZR_GATEWAY_PING_INTERVAL_SECONDS: '1',
      },
    });
    assert.equal(c.port, 0);
    assert.equal(c.maxClients, 5);
    assert.equal(c.pingIntervalSeconds, 1);
    assert.equal(c.connectXsubEndpoint, 'tcp://127.0.0.1:27760');
    assert.throws(
      () => loadGatewayConfig({ argv: ['--port', '70000'], env: { ZR_GATEWAY_MAX_CLIENTS: 'many' } }),
      (err: { code: string; problems: string[] }) =>
        err.code === 'ZR_CONFIG_INVALID' && err.problems.length === 2,
    );
  });

  test('a configuration given in code is validated by the same schema', () => {
    assert.equal(defaultGatewayConfig({ port: 0 }).maxClients, 10000);
    assert.throws(
      () => defaultGatewayConfig({ port: 70000, jsonDialect: 'xml' as 'json', lingerMs: -1 }),
      (err: { code: string; problems: string[] }) =>
        err.code === 'ZR_CONFIG_INVALID' &&
        err.problems.length === 3 &&
        err.problems.some((p) => p.includes('--port')) &&
        err.problems.some((p) => p.includes('--json-dialect') && p.includes('json') && p.includes('zeek')) &&
        err.problems.some((p) => p.includes('--linger-ms')),
    );
  });
});
