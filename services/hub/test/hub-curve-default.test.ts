/**
 * A CURVE hub on the default data path: the default is `forwarding=zmtp`, whose core speaks CURVE
 * as server, so a hub given CURVE keys and no `forwarding` runs zmtp (no fallback, no warning),
 * admits CURVE peers (two emulated Zeek nodes complete the hello exchange through it) and refuses
 * a plaintext peer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { curveKeyPair } from 'zeromq';
import { createLogger } from '@zeek-relay/runtime';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { createHub, HubConfigSchema } from '../src/index.js';
import { curveNodesMeet, handshakeOutcome } from './helpers/curve.js';
import { logLines } from './helpers/hub.js';
import { connectable } from './helpers/wait.js';

const server = curveKeyPair();
const client = curveKeyPair();

describe('CURVE hub with the default forwarding', () => {
  it('the default is zmtp; with CURVE it stays zmtp, warns nothing, and CURVE nodes meet', async () => {
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
      assert.equal(started?.forwarding, 'zmtp', 'the data path in effect');
      assert.equal(started?.curve, true);
      const warnings = lines.filter((l) => l.level === 'warn');
      assert.equal(warnings.length, 0, JSON.stringify(warnings));

      await curveNodesMeet(hub, server.publicKey, { manager: client, worker: client }, nodes);
      assert.match(await handshakeOutcome(connectable(a.xpub)), /^handshake:error:/);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await hub.close();
    }
  });
});
