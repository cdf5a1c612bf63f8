/** Topic names, node ids, subscription frames and lifecycle events (zeromq-wire.md §3.4–5, websocket-v1.md §5). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeError,
  TOPICS,
  dataToJson,
  decodeLogFrames,
  defaultSubscriptions,
  encodeLogFrames,
  eventToData,
  makeNodeId,
  nodeTopic,
  parseNodeId,
  parseSubscriptionFrame,
  randomUniqueId,
  readinessTopic,
  topicMatches,
  websocketClientAddedEvent,
  websocketClientLostEvent,
  websocketEndpointId,
} from '../../src/index.js';
import { toHex, utf8 } from '../helpers/broker-fixtures.js';

describe('ZeroMQ naming helpers', () => {
  it('builds the topics of zeromq-wire.md §4.4', () => {
    assert.equal(nodeTopic('worker-1'), 'zeek.cluster.node.worker-1.');
    assert.equal(readinessTopic('id-websocket-0', 1), 'zeek.zeromq.internal.id-websocket-0.1.');
    assert.deepStrictEqual(defaultSubscriptions('manager', 'manager', 'X'), [
      'zeek.cluster.manager',
      'zeek.cluster.nodeid.X.',
      'zeek.cluster.node.manager.',
    ]);
    assert.deepStrictEqual(defaultSubscriptions('logger', 'logger', 'L', { withTableChanges: true }), [
      'zeek/table/',
      'zeek.cluster.pool.logger',
      'zeek.cluster.logger',
      'zeek.cluster.nodeid.L.',
      'zeek.cluster.node.logger.',
    ]);
    assert.equal(TOPICS.proxy, 'zeek.cluster.proxy');
  });

  it('matches prefixes byte-wise (node topics end in a dot)', () => {
    assert.ok(topicMatches(utf8('zeek.cluster.worker'), utf8('zeek.cluster.workers.x')));
    assert.ok(!topicMatches(utf8(nodeTopic('worker-1')), utf8(nodeTopic('worker-10'))));
    assert.ok(topicMatches(new Uint8Array(0), utf8('anything')));
  });

  it('makes node ids of the form zeromq_<node>_<host>_<pid>_N<base62>', () => {
    const id = makeNodeId({ node: 'worker-1', hostname: 'host', pid: 4242 });
    assert.match(id, /^zeromq_worker-1_host_4242_N[0-9A-Za-z]{11}$/);
    assert.deepStrictEqual(parseNodeId('zeromq_worker-1_host_4242_NabcDEF'), {
      node: 'worker-1',
      hostname: 'host',
      pid: 4242,
      unique: 'NabcDEF',
    });
    assert.equal(parseNodeId('3eece35d-9f94-568d-861c-6a16c433e090'), undefined);
    assert.notEqual(randomUniqueId(), randomUniqueId());
    assert.equal(
      websocketEndpointId('zeromq__host_53184_NrKdeYVQ7Xnh', 0),
      'zeromq__host_53184_NrKdeYVQ7Xnh-websocket-0',
    );
  });

  it('subscription frames: 0x01/0x00 + prefix, anything else is a DecodeError', () => {
    assert.deepStrictEqual(parseSubscriptionFrame(Uint8Array.from([1, 0x61])), {
      subscribe: true,
      prefix: Uint8Array.from([0x61]),
    });
    assert.throws(() => parseSubscriptionFrame(Uint8Array.from([2, 0x61])), DecodeError);
    assert.throws(() => parseSubscriptionFrame(new Uint8Array(0)), DecodeError);
  });

  it('log frames: 4 frames, frame 2 must be zeek-bin-serializer', () => {
    const frames = encodeLogFrames('node', Uint8Array.from([1, 2]));
    assert.deepStrictEqual(frames.slice(0, 3).map(toHex), [
      '6c6f672d7772697465',
      '6e6f6465',
      '7a65656b2d62696e2d73657269616c697a6572',
    ]);
    assert.equal(toHex(decodeLogFrames(frames).payload), '0102');
    assert.throws(
      () => decodeLogFrames([...frames.slice(0, 2), utf8('broker-bin-v1'), frames[3] as Uint8Array]),
      DecodeError,
    );
    assert.throws(() => decodeLogFrames(frames.slice(0, 3)), DecodeError);
  });

  it('websocket_client_added matches the example of websocket-v1.md §5', () => {
    const ev = websocketClientAddedEvent(
      { id: '<gateway-id>-websocket-0', address: '127.0.0.1', port: 51234 },
      ['/topic/a', '/topic/a'],
    );
    assert.equal(
      dataToJson(eventToData(ev)),
      '{"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},' +
        '{"@data-type":"vector","data":[{"@data-type":"string","data":"Cluster::websocket_client_added"},' +
        '{"@data-type":"vector","data":[' +
        '{"@data-type":"vector","data":[{"@data-type":"string","data":"<gateway-id>-websocket-0"},' +
        '{"@data-type":"vector","data":[{"@data-type":"string","data":"127.0.0.1"},{"@data-type":"port","data":"51234/tcp"}]},' +
        '{"@data-type":"none","data":{}}]},' +
        '{"@data-type":"vector","data":[{"@data-type":"string","data":"/topic/a"}]}]}]}]}',
    );
    const lost = websocketClientLostEvent(
      { id: 'x', address: '::1', port: 1, applicationName: 'app' },
      1000,
      '',
    );
    assert.equal(lost.name, 'Cluster::websocket_client_lost');
    assert.equal(lost.args.length, 3);
  });
});

describe('value constructors', () => {
  it('pattern and conn_id records look like zeek-to-broker.json', async () => {
    const { data, encodeBrokerData } = await import('../../src/index.js');
    const { loadFixture: load } = await import('../helpers/broker-fixtures.js');
    const fx = load<{ vectors: { zeek_type: string; zeek_value: string; hex: string }[] }>(
      'zeek-to-broker.json',
    );
    const pat = fx.vectors.find((v) => v.zeek_type === 'pattern' && v.zeek_value === '/foo/');
    assert.ok(pat);
    assert.equal(toHex(encodeBrokerData(data.pattern('foo'))), pat.hex);
    const connId = data.record(
      data.address('10.0.0.1'),
      data.port(1234, 'tcp'),
      data.address('10.0.0.2'),
      data.port(80, 'tcp'),
      data.count(65535),
      data.record(),
    );
    const conn = fx.vectors.find((v) => v.zeek_type.startsWith('conn_id '));
    assert.ok(conn);
    assert.equal(toHex(encodeBrokerData(connId)), conn.hex);
  });
});
