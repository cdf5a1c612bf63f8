/**
 * CURVE towards the hub (zeromq-wire.md §8): the gateway's own CurveZMQ client (`@zeek-relay/zmtp/curve`)
 * against libzmq: a hub run as Zeek 8.2+ runs it, with the ZAP allow-list handler the zeek-relay
 * hub uses (`@zeek-relay/zmq`), and a plain CURVE proxy without one (the key settings:
 * curve-config.test.ts). Keys are generated per test.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { pino, type Logger } from 'pino';
import { data } from '@zeek-relay/wire';
import { createGateway, defaultGatewayConfig, type Gateway, type GatewayConfig } from '../src/index.js';
import {
  freshKeys,
  keyFiles,
  startCurveHub,
  startOpenCurveProxy,
  waitForAsync,
  zapRequests,
  type CurveTestHub,
  type KeyPair,
} from './helpers/curve-hub.js';
import { C, S, dataMessage } from './helpers/events.js';
import { startRig } from './helpers/gateway.js';
import { waitUntil } from './helpers/scenario.js';
import { RecordingClient } from './helpers/ws-client.js';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { attachNode } from './helpers/hub.js';
import { freePort } from '@zeek-relay/test-support';

type Rig = Awaited<ReturnType<typeof startRig>>;

const keys = keyFiles();
after(() => keys.dispose());
const keyFile = (text: string): string => keys.file(text);

/** The gateway's CURVE settings: the hub's server key and the gateway's own pair. */
function curveKeys(server: KeyPair, own: KeyPair): Partial<GatewayConfig> {
  return {
    hubCurveServerKey: server.publicKey,
    hubCurvePublicKey: own.publicKey,
    hubCurveSecretKey: own.secretKey,
  };
}

/** A gateway (not started) connected to `hub` with `settings`; silent unless given a logger. */
function curveGateway(hub: CurveTestHub, settings: Partial<GatewayConfig>, log?: Logger): Gateway {
  return createGateway(
    defaultGatewayConfig({
      port: 0,
      healthPort: -1,
      connectXpubEndpoint: hub.xsubEndpoint,
      connectXsubEndpoint: hub.xpubEndpoint,
      ...(log ? {} : { logLevel: 'silent' }),
      ...settings,
    }),
    log ? { log } : {},
  );
}

/** An emulated Zeek node on `hub` with its own CURVE pair. */
function curveNode(
  name: string,
  hub: CurveTestHub,
  server: KeyPair,
  own: KeyPair,
): Promise<EmulatedZeekNode> {
  return attachNode(name, hub, { serverKey: server.publicKey, ...own });
}

/**
 * A CURVE hub that allows the gateway's and one node's keys, a started gateway on it (test rig)
 * and that node (not yet subscribed). The test closes all three.
 */
async function curveRig(nodeName: string): Promise<{ hub: CurveTestHub; rig: Rig; node: EmulatedZeekNode }> {
  const { server, clients } = freshKeys(2);
  const [gw, nodeKeys] = clients as [KeyPair, KeyPair];
  const hub = await startCurveHub(server, [gw.publicKey, nodeKeys.publicKey]);
  const rig = await startRig(curveKeys(server, gw), hub);
  return { hub, rig, node: await curveNode(nodeName, hub, server, nodeKeys) };
}

async function acked(url: string, subs: string[]): Promise<{ client: RecordingClient; endpoint: string }> {
  const client = new RecordingClient(url);
  await client.opened;
  client.send(JSON.stringify(subs));
  const ack = (await client.nextJson()) as { type: string; endpoint: string };
  assert.equal(ack.type, 'ack');
  return { client, endpoint: ack.endpoint };
}

/**
 * Both directions through a CURVE hub: a client event reaches the node (with the client's id as
 * sender), a node event reaches the client.
 */
async function roundTrip(url: string, hub: CurveTestHub, nodeKeys: KeyPair, tag: string): Promise<void> {
  const node = await attachNode(`zeromq_manager_host_1_N${tag}`, hub, {
    serverKey: hub.serverKey,
    ...nodeKeys,
  });
  // The node subscribes first: the client's ack (its probe echoed on the gateway's hub
  // connection) then proves the gateway's XPUB has the node's subscription too.
  let client: RecordingClient | undefined;
  try {
    await node.subscribeAndWait('/from-clients/');
    const a = await acked(url, ['/to-clients/']);
    client = a.client;
    const endpoint = a.endpoint;
    client.send(dataMessage('/from-clients/x', 'hello', [S(`from ${tag}`)]));
    await node.waitFor(() => node.events('hello').length === 1, 'the client event');
    const got = node.inbox.find((r) => r.event?.name === 'hello');
    assert.equal(got?.sender, endpoint);
    const [arg] = (got?.event?.args ?? []) as { type: string; value: Uint8Array }[];
    assert.equal(arg?.type, 'string');
    assert.equal(Buffer.from(arg?.value ?? []).toString('utf8'), `from ${tag}`);

    await node.publishWhenSubscribed('/to-clients/y', { name: 'pong', args: [data.count(42)] });
    const m = (await client.nextJson()) as { type: string; topic: string; data: unknown[] };
    assert.equal(m.type, 'data-message');
    assert.equal(m.topic, '/to-clients/y');
    assert.deepEqual(m.data[2], {
      '@data-type': 'vector',
      data: [
        { '@data-type': 'string', data: 'pong' },
        { '@data-type': 'vector', data: [{ '@data-type': 'count', data: 42 }] },
      ],
    });
  } finally {
    await client?.close();
    await node.close();
  }
}

describe('gateway ↔ CURVE hub', { timeout: 60_000 }, () => {
  test('(a) key pair on the hub’s allow-list (from files): ready, events flow both ways', async () => {
    const { server, clients } = freshKeys(2);
    const [gw, node] = clients as [KeyPair, KeyPair];
    const hub = await startCurveHub(server, [gw.publicKey, node.publicKey]);
    try {
      const rig = await startRig(
        {
          hubCurveServerKeyFile: keyFile(server.publicKey),
          hubCurvePublicKeyFile: keyFile(gw.publicKey),
          hubCurveSecretKeyFile: keyFile(gw.secretKey),
        },
        hub,
      );
      try {
        assert.deepEqual(rig.gateway.readiness(), { ready: true });
        // The hub sees the gateway's subscriptions (what test (c) expects to stay absent).
        await waitUntil(
          () => hub.subscriptions!().some((p) => p.includes(rig.gateway.nodeId)),
          "the hub's observer saw the gateway's subscriptions",
        );
        await roundTrip(rig.url, hub, node, 'allowed');
        assert.equal(await zapRequests(hub, 'rejected'), 0);
        // Gateway XPUB + XSUB and node XPUB + XSUB each passed the hub's ZAP check.
        assert.ok((await zapRequests(hub, 'accepted')) >= 4);
      } finally {
        await rig.close();
      }
    } finally {
      await hub.close();
    }
  });

  test('(b) no client pair configured: an ephemeral pair works with a CURVE hub without allow-list', async () => {
    const { server, clients } = freshKeys(1);
    const hub = await startOpenCurveProxy(server);
    try {
      const rig = await startRig({ hubCurveServerKey: server.publicKey }, hub);
      try {
        await roundTrip(rig.url, hub, clients[0]!, 'ephemeral');
      } finally {
        await rig.close();
      }
      // Client key files that are both absent (an optional Secret key): also an ephemeral pair.
      const rig2 = await startRig(
        {
          hubCurveServerKeyFile: keyFile(server.publicKey),
          hubCurvePublicKeyFile: keys.path('absent-client-public-key'),
          hubCurveSecretKeyFile: keys.path('absent-client-secret-key'),
        },
        hub,
      );
      try {
        assert.deepEqual(rig2.gateway.readiness(), { ready: true });
      } finally {
        await rig2.close();
      }
    } finally {
      await hub.close();
    }
  });

  test('(c) a key not on the allow-list: never ready, the hub counts the ZAP rejections', async () => {
    const { server, clients } = freshKeys(2);
    const [stranger, allowed] = clients as [KeyPair, KeyPair];
    const hub = await startCurveHub(server, [allowed.publicKey]);
    const gateway = curveGateway(hub, { ...curveKeys(server, stranger) });
    try {
      await gateway.start();
      // Both of the gateway's sockets were turned away by the hub's ZAP handler.
      await waitForAsync(async () => (await zapRequests(hub, 'rejected')) >= 2, 'two ZAP rejections');
      assert.equal(await zapRequests(hub, 'accepted'), 0);
      assert.deepEqual(gateway.readiness(), { ready: false, reason: 'waiting for the hub' });
      // Nothing of the gateway (its readiness probe topic) reached the hub.
      assert.deepEqual(
        hub.subscriptions!().filter((p) => p.includes(gateway.nodeId)),
        [],
      );
    } finally {
      await gateway.close();
      await hub.close();
    }
  });
});

describe('CURVE publish path', { timeout: 60_000 }, () => {
  test('3000 events from one client reach the node complete and in order (queue + NODROP)', async () => {
    const { hub, rig, node } = await curveRig('zeromq_manager_host_1_Ncurvebulk');
    let client: RecordingClient | undefined;
    try {
      await node.subscribeAndWait('/bulk/');
      client = (await acked(rig.url, [])).client;
      const total = 3000;
      for (let i = 0; i < total; i++) client.send(dataMessage('/bulk/', 'seq', [C(i)]));
      await node.waitFor(() => node.events('seq').length === total, `${total} events`);
      const got = node.events('seq').map((e) => Number((e.args[0] as { value: bigint | number }).value));
      assert.deepEqual(
        got,
        Array.from({ length: total }, (_, i) => i),
      );
    } finally {
      await client?.close();
      await node.close();
      await rig.close();
      await hub.close();
    }
  });

  test('small and 200 KB events sent at once reach the node intact and in order (writes split, the stage grows)', async () => {
    const { hub, rig, node } = await curveRig('zeromq_manager_host_1_Ncurvemixed');
    let client: RecordingClient | undefined;
    const total = 300;
    // Every 25th event is larger than a write chunk (64 KiB): the boxed output of one turn is
    // written in several pieces and the stage grows for the large ones.
    const arg = (i: number): string => (i % 25 === 7 ? `${i}:`.padEnd(200_000, 'x') : `${i}:small`);
    try {
      await node.subscribeAndWait('/mixed/');
      client = (await acked(rig.url, [])).client;
      for (let i = 0; i < total; i++) client.send(dataMessage('/mixed/', 'mixed', [S(arg(i))]));
      await node.waitFor(() => node.events('mixed').length === total, `${total} events`);
      const got = node
        .events('mixed')
        .map((e) => Buffer.from((e.args[0] as { value: Uint8Array }).value).toString('utf8'));
      assert.equal(got.length, total);
      for (let i = 0; i < total; i++) assert.equal(got[i], arg(i), `event ${i}`);
    } finally {
      await client?.close();
      await node.close();
      await rig.close();
      await hub.close();
    }
  });
});

describe('CURVE hub restart', { timeout: 60_000 }, () => {
  test('readiness follows the hub; the subscriptions reach the restarted hub over CURVE again', async () => {
    const { server, clients } = freshKeys(2);
    const [gw, nodeKeys] = clients as [KeyPair, KeyPair];
    const allowed = [gw.publicKey, nodeKeys.publicKey];
    // The new hub binds the old one's ports while the gateway reconnects to them: ports outside the
    // ephemeral range, which no connect() or bind(0) can take in between.
    const ports = { xpub: await freePort(), xsub: await freePort() };
    let hub = await startCurveHub(server, allowed, ports);
    const rig = await startRig(curveKeys(server, gw), hub);
    const { client } = await acked(rig.url, ['/survives/']);
    let node: EmulatedZeekNode | undefined;
    try {
      await hub.close();
      await waitUntil(() => !rig.gateway.readiness().ready, 'not ready without a hub');
      hub = await startCurveHub(server, allowed, ports);
      await waitUntil(() => rig.gateway.readiness().ready, 'ready again');
      node = await curveNode('zeromq_manager_host_1_Ncurverestart', hub, server, nodeKeys);
      await node.subscribeAndWait('/from-client/');
      // A second ack after the node's subscription: its probe echo proves the gateway has it.
      const late = await acked(rig.url, []);
      await late.client.close();
      await waitUntil(
        () => node?.seenTopics.has('/survives/') === true,
        'client prefix re-sent to the new hub',
      );
      await node.publishWhenSubscribed('/survives/x', { name: 'after_restart', args: [] });
      assert.equal(((await client.nextJson()) as { topic: string }).topic, '/survives/x');
      client.send(dataMessage('/from-client/', 'back', []));
      await node.waitFor(() => node?.events('back').length === 1);
    } finally {
      await client.close();
      await node?.close();
      await rig.close();
      await hub.close();
    }
  });
});

/** A pino logger whose records the test can read. */
function recordingLog(): { log: Logger; lines: () => { msg: string }[] } {
  const lines: { msg: string }[] = [];
  const stream = { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) };
  return { log: pino({ level: 'warn' }, stream), lines: () => lines };
}

/**
 * A TCP relay in front of one hub port that parses the ZMTP frames the hub sends and, when
 * armed, flips one byte inside the box of the next CURVE MESSAGE (a frame whose body starts with
 * `\x07MESSAGE`) before passing it on.
 */
async function tamperingRelay(
  hubEndpoint: string,
  /** Tamper with every MESSAGE (not only the next one after `arm()`). */
  always = false,
): Promise<{ endpoint: string; arm(): void; tampered: () => number; close(): Promise<void> }> {
  const hubPort = Number(hubEndpoint.split(':').pop());
  let armed = false;
  let tampered = 0;
  const sockets = new Set<Socket>();
  const server = createServer((down) => {
    const up = connect({ host: '127.0.0.1', port: hubPort });
    sockets.add(down).add(up);
    down.on('data', (c) => up.write(c));
    // Hub → gateway: the 64-byte greeting, then frames [flags, size (1 or 8 octets), body].
    let pending = Buffer.alloc(0);
    let greeted = false;
    up.on('data', (c: Buffer) => {
      pending = Buffer.concat([pending, c]);
      for (;;) {
        if (!greeted) {
          if (pending.length < 64) return;
          down.write(pending.subarray(0, 64));
          pending = pending.subarray(64);
          greeted = true;
          continue;
        }
        if (pending.length < 2) return;
        const long = (pending[0]! & 2) !== 0;
        const header = long ? 9 : 2;
        if (pending.length < header) return;
        const size = long ? Number(pending.readBigUInt64BE(1)) : pending[1]!;
        if (pending.length < header + size) return;
        const frame = Buffer.from(pending.subarray(0, header + size));
        pending = pending.subarray(header + size);
        if (armed && frame.subarray(header, header + 8).toString('latin1') === '\x07MESSAGE') {
          armed = always;
          tampered++;
          frame.writeUInt8(frame.readUInt8(frame.length - 1) ^ 0x20, frame.length - 1);
        }
        down.write(frame);
      }
    });
    const end = (): void => {
      up.destroy();
      down.destroy();
    };
    up.on('close', end).on('error', end);
    down.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  armed = always;
  return {
    endpoint: `tcp://127.0.0.1:${port}`,
    arm: () => void (armed = true),
    tampered: () => tampered,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('CURVE rejections', { timeout: 60_000 }, () => {
  test('a wrong hub server key: never ready, nothing reaches the hub, the cause is logged once', async () => {
    const { server, clients } = freshKeys(3);
    const [gw, impostor] = clients as [KeyPair, KeyPair];
    const hub = await startCurveHub(server, [gw.publicKey]);
    const { log, lines } = recordingLog();
    const gateway = curveGateway(hub, { ...curveKeys(impostor, gw) }, log);
    try {
      await gateway.start();
      const said = (): number => lines().filter((l) => /during the CURVE handshake/.test(l.msg)).length;
      // Each socket retries every 100 ms; the reason is logged once per socket.
      await waitUntil(() => said() === 2, 'the handshake failure logged for both sockets');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(said(), 2);
      assert.deepEqual(gateway.readiness(), { ready: false, reason: 'waiting for the hub' });
      // The hub never got to ask its ZAP handler: the HELLO did not open.
      assert.equal(await zapRequests(hub, 'accepted'), 0);
      assert.deepEqual(
        hub.subscriptions!().filter((p) => p.includes(gateway.nodeId)),
        [],
      );
    } finally {
      await gateway.close();
      await hub.close();
    }
  });

  test('a client key the hub refuses: the ERROR is logged as a rejected key, never ready', async () => {
    const { server, clients } = freshKeys(2);
    const [stranger, allowed] = clients as [KeyPair, KeyPair];
    const hub = await startCurveHub(server, [allowed.publicKey]);
    const { log, lines } = recordingLog();
    const gateway = curveGateway(hub, { ...curveKeys(server, stranger) }, log);
    try {
      await gateway.start();
      await waitUntil(
        () => lines().filter((l) => l.msg === "The hub rejected the gateway's CURVE key").length === 2,
        'the rejection logged for both sockets',
      );
      assert.deepEqual(gateway.readiness(), { ready: false, reason: 'waiting for the hub' });
    } finally {
      await gateway.close();
      await hub.close();
    }
  });

  test('a tampered box from the hub is not delivered: the connection ends and comes back', async () => {
    const { server, clients } = freshKeys(2);
    const [gw, nodeKeys] = clients as [KeyPair, KeyPair];
    const hub = await startCurveHub(server, [gw.publicKey, nodeKeys.publicKey]);
    const relay = await tamperingRelay(hub.xpubEndpoint);
    const { log, lines } = recordingLog();
    const rig = await startRig({ connectXsubEndpoint: relay.endpoint, ...curveKeys(server, gw) }, hub, {
      log,
    });
    const node = await curveNode('zeromq_manager_host_1_Ntamper', hub, server, nodeKeys);
    let client: RecordingClient | undefined;
    try {
      client = (await acked(rig.url, ['/t/'])).client;
      relay.arm();
      await node.publishWhenSubscribed('/t/x', { name: 'forged', args: [] });
      await waitUntil(() => relay.tampered() === 1, 'one box tampered with');
      await waitUntil(
        () => lines().some((l) => /does not open/.test(JSON.stringify(l))),
        'the forged box reported',
      );
      // The XSUB reconnects (through the relay, now passing boxes unchanged) and re-subscribes.
      await waitUntil(() => rig.gateway.readiness().ready, 'ready again');
      await (await acked(rig.url, [])).client.close();
      await node.publishWhenSubscribed('/t/y', { name: 'genuine', args: [] });
      const m = (await client.nextJson()) as { topic: string };
      // The forged event never reached the client; the next genuine one did.
      assert.equal(m.topic, '/t/y');
    } finally {
      await client?.close();
      await node.close();
      await rig.close();
      await relay.close();
      await hub.close();
    }
  });
});

describe('CURVE subscriptions the hub already holds', { timeout: 60_000 }, () => {
  test('a node subscribed before the gateway connects: its prefix (a boxed SUBSCRIBE command) is honoured', async () => {
    const { server, clients } = freshKeys(2);
    const [gw, nodeKeys] = clients as [KeyPair, KeyPair];
    const hub = await startCurveHub(server, [gw.publicKey, nodeKeys.publicKey]);
    const node = await curveNode('zeromq_manager_host_1_Nearly', hub, server, nodeKeys);
    let rig: Rig | undefined;
    let client: RecordingClient | undefined;
    try {
      await node.subscribeAndWait('/early/');
      // libzmq sends a new peer the subscriptions it holds as ZMTP 3.1 SUBSCRIBE commands, boxed.
      rig = await startRig(curveKeys(server, gw), hub);
      client = (await acked(rig.url, [])).client;
      client.send(dataMessage('/early/x', 'early_bird', []));
      await node.waitFor(() => node.events('early_bird').length === 1, 'the client event');
    } finally {
      await client?.close();
      await rig?.close();
      await node.close();
      await hub.close();
    }
  });
});

describe('CURVE failure logging', { timeout: 60_000 }, () => {
  test('a failure after every handshake (each box forged) is logged once, not at every reconnect', async () => {
    const { server, clients } = freshKeys(1);
    const [gw] = clients as [KeyPair];
    const hub = await startCurveHub(server, [gw.publicKey]);
    // Every box the hub sends the gateway's XPUB (the subscriptions it holds) arrives forged.
    const relay = await tamperingRelay(hub.xsubEndpoint, true);
    const { log, lines } = recordingLog();
    const gateway = curveGateway(hub, { ...curveKeys(server, gw), connectXpubEndpoint: relay.endpoint }, log);
    try {
      await gateway.start();
      // The readiness probe's echo is the first box on that connection: forged at each attempt.
      await waitUntil(() => relay.tampered() >= 5, 'five connections, each with a forged box');
      assert.equal(lines().filter((l) => /does not open/.test(JSON.stringify(l))).length, 1);
      assert.equal(gateway.readiness().ready, false);
    } finally {
      await gateway.close();
      await relay.close();
      await hub.close();
    }
  });
});

describe('CURVE large frames', { timeout: 60_000 }, () => {
  test('a 1 MiB argument crosses both ways (boxes larger than the scratch region and the write chunk)', async () => {
    const { hub, rig, node } = await curveRig('zeromq_manager_host_1_Nlarge');
    let client: RecordingClient | undefined;
    const big = 'z'.repeat(1 << 20);
    try {
      await node.subscribeAndWait('/big-in/');
      client = (await acked(rig.url, ['/big-out/'])).client;
      client.send(dataMessage('/big-in/x', 'big', [S(big)]));
      await node.waitFor(() => node.events('big').length === 1, 'the large client event');
      const [arg] = node.events('big')[0]!.args as readonly { value: Uint8Array }[];
      assert.equal(Buffer.from(arg!.value).toString('utf8'), big);
      await node.publishWhenSubscribed('/big-out/y', { name: 'big_back', args: [data.string(big)] });
      const m = (await client.nextJson()) as { data: { data: { data: { data: string }[] }[] }[] };
      assert.equal(m.data[2]!.data[1]!.data[0]!.data, big);
    } finally {
      await client?.close();
      await node.close();
      await rig.close();
      await hub.close();
    }
  });
});
