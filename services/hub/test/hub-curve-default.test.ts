/**
 * A CURVE hub on the default data path: the default is `forwarding=zmtp`, whose core does not speak
 * CURVE yet, so a hub given CURVE keys and no `forwarding` must fall back to libzmq's native path,
 * say so once in its log, and admit CURVE peers (two emulated Zeek nodes complete the hello
 * exchange through it) while a plaintext peer is refused.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { XSubscriber, curveKeyPair } from 'zeromq';
import { createLogger } from '@zeek-relay/runtime';
import { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { createHub, HubConfigSchema } from '../src/index.js';
import { connectable, waitFor } from './helpers/wait.js';

const server = curveKeyPair();
const client = curveKeyPair();

/** Log lines as parsed JSON objects. */
function logLines(): { lines: Array<Record<string, unknown>>; destination: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, destination };
}

/** Whether a plaintext XSUB completes its handshake with `endpoint` (first monitor outcome). */
async function plaintextHandshake(endpoint: string): Promise<string> {
  const sock = new XSubscriber({ linger: 0 });
  const events = sock.events;
  sock.connect(endpoint);
  try {
    for await (const e of events)
      if (e.type === 'handshake' || e.type.startsWith('handshake:error')) return e.type;
    return 'end';
  } finally {
    sock.close();
  }
}

describe('CURVE hub with the default forwarding', () => {
  it('the default is zmtp; with CURVE it forwards natively, warns once, and CURVE nodes meet', async () => {
    assert.equal(HubConfigSchema.properties.forwarding.default, 'zmtp');
    const { lines, destination } = logLines();
    const hub = createHub(
      {
        bindAddress: '127.0.0.1',
        xpubPort: 0,
        xsubPort: 0,
        curveServerSecretKey: server.secretKey,
        curveClientPublicKeys: [client.publicKey],
      },
      { log: createLogger({ service: 'hub', level: 'info', destination }) },
    );
    assert.equal(hub.config.forwarding, 'zmtp');
    const a = await hub.start();
    const nodes: EmulatedZeekNode[] = [];
    try {
      const started = lines.find((l) => l.msg === 'Hub started');
      assert.equal(started?.forwarding, 'native', 'the data path in effect');
      assert.equal(started?.curve, true);
      const warnings = lines.filter((l) => l.level === 'warn');
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.match(String(warnings[0]!.msg), /does not speak CURVE yet.*native/);

      for (const [name, role] of [
        ['manager', 'manager'],
        ['worker-1', 'worker'],
      ] as const) {
        const n = new EmulatedZeekNode({
          name,
          role,
          connectXpub: connectable(a.xsub),
          connectXsub: connectable(a.xpub),
          curve: { serverKey: server.publicKey, ...client },
        });
        nodes.push(n);
        await n.start();
      }
      const [m, w] = nodes as [EmulatedZeekNode, EmulatedZeekNode];
      await waitFor(() => m.up.has(w.id) && w.up.has(m.id), 'node_up both ways over CURVE');
      assert.deepEqual(
        hub.nodes().map((n) => n.name),
        ['manager', 'worker-1'],
      );
      assert.match(await plaintextHandshake(connectable(a.xpub)), /^handshake:error:/);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await hub.close();
    }
  });
});
