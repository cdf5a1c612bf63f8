/**
 * `zeek-relay publish` and `zeek-relay subscribe` as child processes against the real gateway and
 * hub: typed arguments arrive as the Broker values they name; the human-readable output.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ZeekClient, data } from '@zeek-relay/client';
import type { Gateway } from '@zeek-relay/gateway';
import { freePort, runCli, startLocalGateway, startLocalHub, type LocalHub } from './helpers.js';

let hub: LocalHub;
let gateway: Gateway;
let url: string;

before(async () => {
  hub = await startLocalHub();
  const port = await freePort();
  gateway = await startLocalGateway(hub, port);
  url = `ws://127.0.0.1:${port}`;
});

after(async () => {
  await gateway.close();
  await hub.hub.close();
});

test('publish sends typed arguments exactly', async () => {
  await using sub = await ZeekClient.connect({ url, topics: ['cli/'] });
  const it = sub.events();
  const pub = runCli([
    'publish',
    '--url',
    url,
    '--repeat',
    '2',
    'cli/pub',
    'Test::typed',
    'count:42',
    'int:-7',
    'real:1',
    'string:hi there',
    'addr:10.0.0.1',
    'port:53/udp',
    'interval:1.5s',
    'enum:Conn::LOG',
    'T',
  ]);
  assert.equal(await pub.exited, 0, pub.stderr);
  assert.match(pub.stderr, /Published 2 × Test::typed on cli\/pub/);
  const expected = [
    data.count(42),
    data.integer(-7),
    data.real(1),
    data.string('hi there'),
    data.address('10.0.0.1'),
    data.port(53, 'udp'),
    data.timespan(1_500_000_000n),
    data.enumValue('Conn::LOG'),
    data.boolean(true),
  ];
  for (let i = 0; i < 2; i++) {
    const ev = (await it.next()).value;
    assert.equal(ev?.topic, 'cli/pub');
    assert.equal(ev?.name, 'Test::typed');
    assert.deepEqual(ev?.args, expected);
  }
});

test('subscribe prints a human-readable line per event and stops after --count', async () => {
  const sub = runCli(['subscribe', 'cli/human', '--url', url, '--count', '1']);
  await sub.waitFor(/Subscribed to "cli\/human"/);
  await using pub = await ZeekClient.connect({ url, topics: [] });
  pub.publish('cli/human/x', {
    name: 'Test::show',
    args: [
      data.string('a"b'),
      data.count(3),
      data.vector(data.address('::1'), data.port(80, 'tcp')),
      data.set(data.boolean(false)),
    ],
  });
  assert.equal(await sub.exited, 0, sub.stderr);
  assert.equal(sub.stdout, 'cli/human/x  Test::show("a\\"b", 3, [::1, 80/tcp], {F})\n');
});
