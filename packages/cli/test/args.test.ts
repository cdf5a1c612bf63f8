import assert from 'node:assert/strict';
import { test } from 'node:test';
import { data, parseAddress } from '@zeek-relay/wire';
import { argToJson, parseArg } from '../src/args.js';

// Expected Broker values follow websocket-v1.md §3.2 (what Zeek's WebSocket API accepts).
test('typed arguments become the Broker values Zeek would build', () => {
  assert.deepEqual(parseArg('count:18446744073709551615'), data.count(18446744073709551615n));
  assert.deepEqual(parseArg('int:-9223372036854775808'), data.integer(-9223372036854775808n));
  assert.deepEqual(parseArg('string:hello world'), data.string('hello world'));
  assert.deepEqual(parseArg('bool:T'), data.boolean(true));
  assert.deepEqual(parseArg('addr:2001:db8::1'), { type: 'address', value: parseAddress('2001:db8::1') });
  assert.deepEqual(parseArg('port:53/udp'), data.port(53, 'udp'));
  assert.deepEqual(parseArg('enum:Conn::LOG'), data.enumValue('Conn::LOG'));
  assert.deepEqual(parseArg('time:1970-01-01T00:00:01.5Z'), data.timestamp(1_500_000_000n));
  assert.deepEqual(parseArg('interval:1.5s'), data.timespan(1_500_000_000n));
  assert.deepEqual(parseArg('none:'), data.none());
});

test('a real given as an integer is sent with a fraction (Zeek rejects `1` as a real)', () => {
  assert.equal(argToJson('real:1'), '{"@data-type":"real","data":1.0}');
  assert.deepEqual(parseArg('real:1'), data.real(1));
});

test('bare values get an inferred type', () => {
  assert.deepEqual(parseArg('42'), data.count(42));
  assert.deepEqual(parseArg('-3'), data.integer(-3));
  assert.deepEqual(parseArg('2.5'), data.real(2.5));
  assert.deepEqual(parseArg('10.0.0.1'), data.address('10.0.0.1'));
  assert.deepEqual(parseArg('10.0.0.0/8'), data.subnet('10.0.0.0/8'));
  assert.deepEqual(parseArg('443/tcp'), data.port(443, 'tcp'));
  assert.deepEqual(parseArg('hello'), data.string('hello'));
});

test('json: passes a Broker JSON v1 value through the wire decoder', () => {
  assert.deepEqual(
    parseArg('json:{"@data-type":"vector","data":[{"@data-type":"count","data":1}]}'),
    data.vector(data.count(1)),
  );
});

test('invalid values fail with ZR_CLI_INVALID_ARGUMENT naming the argument', () => {
  for (const bad of [
    'count:-1',
    'count:1.5',
    'int:x',
    'addr:999.1.1.1',
    'time:yesterday',
    'json:{"@data-type":"money","data":0}',
    'bool:maybe',
  ]) {
    assert.throws(
      () => parseArg(bad),
      (e: { code?: string; message?: string }) => {
        assert.equal(e.code, 'ZR_CLI_INVALID_ARGUMENT');
        assert.ok(e.message?.includes(`"${bad}"`), e.message);
        return true;
      },
    );
  }
});
