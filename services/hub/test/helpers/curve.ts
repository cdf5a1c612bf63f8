/** CURVE peers as Zeek's nodes have them: libzmq sockets and emulated nodes with client keys. */
import assert from 'node:assert/strict';
import { XSubscriber } from 'zeromq';
import { encodeSubscriptionFrame } from '@zeek-relay/wire';
import { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import type { Hub } from '../../src/index.js';
import { connectable, waitFor } from './wait.js';

/** A key pair in Z85, as zeromq.js's `curveKeyPair` gives it. */
export interface KeyPair {
  readonly publicKey: string;
  readonly secretKey: string;
}

/**
 * Connects a bare XSUB with `options` (CURVE keys, or none: plaintext) and returns the first
 * handshake outcome its monitor reports: `handshake` or a `handshake:error:…` type. With `subscribe`
 * it also queues that subscription, which reaches the hub only if the handshake succeeds.
 */
export async function handshakeOutcome(
  endpoint: string,
  options: ConstructorParameters<typeof XSubscriber>[0] = {},
  subscribe?: string,
): Promise<string> {
  const sock = new XSubscriber({ linger: 0, ...options });
  const events = sock.events;
  sock.connect(endpoint);
  if (subscribe !== undefined)
    void sock.send(encodeSubscriptionFrame(true, subscribe)).catch(() => undefined);
  try {
    for await (const e of events)
      if (e.type === 'handshake' || e.type.startsWith('handshake:error')) return e.type;
    return 'end';
  } finally {
    sock.close();
  }
}

/**
 * Starts an emulated `manager` and `worker-1` with the client key pairs `manager` and `worker`
 * against the started CURVE hub `hub` (pushed to `nodes`, for the caller to close), waits for
 * their hello exchange through it (node_up both ways) and checks that the hub lists both.
 */
export async function curveNodesMeet(
  hub: Hub,
  serverKey: string,
  keys: { manager: KeyPair; worker: KeyPair },
  nodes: EmulatedZeekNode[],
): Promise<void> {
  const a = hub.addresses!;
  const started: EmulatedZeekNode[] = [];
  for (const [name, role, pair] of [
    ['manager', 'manager', keys.manager],
    ['worker-1', 'worker', keys.worker],
  ] as const) {
    const n = new EmulatedZeekNode({
      name,
      role,
      connectXpub: connectable(a.xsub),
      connectXsub: connectable(a.xpub),
      curve: { serverKey, publicKey: pair.publicKey, secretKey: pair.secretKey },
    });
    nodes.push(n);
    started.push(n);
    await n.start();
  }
  const [m, w] = started as [EmulatedZeekNode, EmulatedZeekNode];
  await waitFor(() => m.up.has(w.id) && w.up.has(m.id), 'node_up both ways over CURVE');
  assert.deepEqual(
    hub.nodes().map((n) => n.name),
    ['manager', 'worker-1'],
  );
}

/** zeromq.js socket options of a CURVE client with key pair `c` that expects server key `serverKey`. */
export const curveOptions = (c: KeyPair, serverKey: string) => ({
  curveServerKey: serverKey,
  curvePublicKey: c.publicKey,
  curveSecretKey: c.secretKey,
});
