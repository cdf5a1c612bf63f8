import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { data } from '@zeek-relay/wire';
import { startRig } from './helpers/gateway.js';
import { findPython, runPython } from './helpers/python.js';
import { attachNode } from './helpers/hub.js';

const script = fileURLToPath(new URL('../../test/python/zeek_client.py', import.meta.url));

const noPython =
  (await findPython()) === undefined
    ? 'python3 not found: install python3 (with venv and pip) to run this test'
    : undefined;

test(
  'an independent client (Python websockets) against gateway + hub + emulated Zeek node',
  { timeout: 240_000, skip: noPython },
  async () => {
    const rig = await startRig({ lifecycleTopic: 'zeek.cluster.manager' });
    const node = await attachNode('zeromq_manager_host_1_Npython', rig.hub);
    await node.subscribeAndWait('/py/in/', 'zeek.cluster.manager');
    node.onEvent = (r, n) => {
      if (r.event?.name === 'ping')
        void n.publishWhenSubscribed('/py/out/deeper/x', { name: 'pong', args: r.event.args });
    };
    try {
      const out = JSON.parse(await runPython(script, [rig.url])) as Record<
        string,
        Record<string, unknown> | boolean | number
      >;
      const ack = out.ack as Record<string, unknown>;
      assert.deepEqual(Object.keys(ack), ['type', 'endpoint', 'version']);
      assert.match(String(ack.endpoint), new RegExp(`^${rig.gateway.nodeId}-websocket-0$`));
      // The pong echoes the ping's arguments; both prefixes match but it arrives once (then the error).
      const pong = out.pong as {
        topic: string;
        data: [unknown, unknown, { data: [unknown, { data: unknown[] }] }];
      };
      assert.equal(pong.topic, '/py/out/deeper/x');
      assert.deepEqual(pong.data[2].data[1].data[0], { '@data-type': 'string', data: 'hello from python ü' });
      assert.equal(out.exact_64bit, true, 'count 2^64-1 and integer -2^63 exact as seen by Python');
      assert.deepEqual(out.error, {
        type: 'error',
        code: 'deserialization_failed',
        context: 'failed to decode JSON object',
      });
      assert.deepEqual(out.error2, {
        type: 'error',
        code: 'deserialization_failed',
        context: 'failed to create Zeek event',
      });
      assert.equal(out.ping_answered, true);
      assert.equal(out.close_code, 1000);
      // The node saw the exact 64-bit values and the client's id as sender.
      const ping = node.events('ping')[0];
      assert.deepEqual(ping?.args.slice(1), [
        data.count(18446744073709551615n),
        data.integer(-9223372036854775808n),
      ]);
      assert.equal(node.inbox.find((r) => r.event?.name === 'ping')?.sender, ack.endpoint);
      await node.waitFor(() => node.events('Cluster::websocket_client_lost').length === 1);
      const added = node.events('Cluster::websocket_client_added')[0]?.args[0];
      assert.ok(added?.type === 'vector' && added.value[2]?.type === 'string');
      assert.equal(Buffer.from(added.value[2].value).toString(), 'py-client');
    } finally {
      await node.close();
      await rig.close();
    }
  },
);
