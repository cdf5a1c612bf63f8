import assert from 'node:assert/strict';
import { readJsonFixture } from '@zeek-relay/fixtures';
import type { ClientOptions } from 'ws';
import type { GatewayConfig } from '../../src/index.js';
import { startRig, type Rig } from './gateway.js';
import { RecordingClient } from './ws-client.js';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { until } from '@zeek-relay/test-support';

/** One element of a scenario file (packages/fixtures/data/zeek-8.0/websocket/README.md). */
export interface Step {
  readonly dir: 'client->server' | 'server->client';
  readonly conn: string;
  readonly json: unknown;
  readonly frame?: {
    readonly type: 'open' | 'close' | 'ping' | 'none';
    readonly scheme?: string;
    readonly host?: string;
    readonly path?: string;
    readonly headers?: Record<string, string>;
    readonly code?: number;
    readonly reason?: string;
    readonly payload?: string;
  };
  readonly text?: string;
  readonly varies?: readonly string[];
  readonly note?: string;
}

/** What a scenario runs against, available to its Zeek-side behaviour. */
export interface ScenarioContext {
  readonly rig: Rig;
  readonly nodes: EmulatedZeekNode[];
  readonly clients: Map<string, RecordingClient>;
  /** Acks seen so far (any connection). */
  acks: number;
}

/** The Zeek side of one scenario (its README's column "what the Zeek side does"). */
export interface Behaviour {
  /** Why this scenario cannot run here (a missing tool), shown as the test's skip reason. */
  readonly skip?: string | false;
  readonly config?: Partial<GatewayConfig>;
  readonly client?: ClientOptions;
  /** Creates the emulated node(s); runs before the first step. */
  setup?(ctx: ScenarioContext): Promise<void>;
  /** After every ack the driver consumed. */
  onAck?(ctx: ScenarioContext): void;
  /** Node-side assertions once every step ran. */
  verify?(ctx: ScenarioContext): Promise<void>;
}

/** A scenario transcript of Zeek 8.0.10's btests (packages/fixtures/data/zeek-8.0/websocket/). */
export function loadScenario(file: string): Step[] {
  return readJsonFixture<Step[]>('zeek-8.0', 'websocket', file);
}

function pointerParts(p: string): string[] {
  return p
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Replaces the values at the `varies` pointers by their type, so only presence and type count. */
function maskVaries(value: unknown, varies: readonly string[]): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  for (const p of varies) {
    const parts = pointerParts(p);
    let obj = copy as Record<string, unknown>;
    for (const k of parts.slice(0, -1)) obj = obj[k] as Record<string, unknown>;
    const last = parts[parts.length - 1] as string;
    assert.ok(last in obj, `missing varying field ${p}`);
    obj[last] = `<${typeof obj[last]}>`;
  }
  return copy;
}

/**
 * Replays a scenario file step by step against a fresh hub + gateway with the behaviour's Zeek
 * side, comparing every server frame field by field (JSON parsed on both sides; `varies` fields by
 * presence and type; close frames by code and reason; PING payloads exactly). At the end every
 * client must have consumed everything it received: that is how the `none` steps ("nothing else
 * arrives", e.g. no self-echo) are checked, since frames on one connection arrive in order.
 */
export async function replay(file: string, behaviour: Behaviour): Promise<void> {
  const steps = loadScenario(file);
  const rig = await startRig(behaviour.config);
  const ctx: ScenarioContext = { rig, nodes: [], clients: new Map(), acks: 0 };
  const endpoints = new Set<string>();
  try {
    await behaviour.setup?.(ctx);
    for (const [i, step] of steps.entries()) {
      const where = `${file} step ${i} (${step.dir} ${step.conn})`;
      const c = ctx.clients.get(step.conn);
      if (step.dir === 'client->server') {
        if (step.frame?.type === 'open') {
          const host = step.frame.host === 'localhost' ? '127.0.0.1' : step.frame.host;
          const url = `${step.frame.scheme}://${host}:${rig.address.port}${step.frame.path}`;
          const client = new RecordingClient(url, { ...behaviour.client, headers: step.frame.headers ?? {} });
          ctx.clients.set(step.conn, client);
          await client.opened;
        } else if (step.frame?.type === 'close') {
          assert.ok(c, where);
          if (c.ws.readyState === c.ws.OPEN) c.ws.close(step.frame.code, step.frame.reason);
        } else {
          assert.ok(c, where);
          if (c.ws.readyState !== c.ws.OPEN) continue;
          c.send(step.text ?? JSON.stringify(step.json));
        }
        continue;
      }
      assert.ok(c, where);
      if (step.frame?.type === 'none') continue;
      if (step.frame?.type === 'ping') {
        await waitUntil(() => c.pings.length > 0, where);
        assert.equal(c.pings[0], step.frame.payload, `${where}: PING payload`);
        continue;
      }
      const got = await c.next();
      if (step.frame?.type === 'close') {
        assert.deepEqual(
          got.kind === 'close' ? { code: got.code, reason: got.reason } : got,
          { code: step.frame.code, reason: step.frame.reason },
          where,
        );
        continue;
      }
      assert.equal(
        got.kind,
        'message',
        `${where}: expected ${JSON.stringify(step.json)}, got ${JSON.stringify(got)}`,
      );
      if (got.kind !== 'message') continue;
      const actual = JSON.parse(got.text) as Record<string, unknown>;
      const varies = step.varies ?? [];
      assert.deepEqual(maskVaries(actual, varies), maskVaries(step.json, varies), where);
      if (actual.type === 'ack') {
        const endpoint = String(actual.endpoint);
        assert.match(endpoint, new RegExp(`^${rig.gateway.nodeId}-websocket-\\d+$`), `${where}: endpoint id`);
        assert.ok(!endpoints.has(endpoint), `${where}: endpoint ids are unique`);
        endpoints.add(endpoint);
        ctx.acks++;
        behaviour.onAck?.(ctx);
      }
    }
    for (const [conn, c] of ctx.clients) {
      await c.close();
      const rest = c.leftovers.filter((o) => o.kind === 'message');
      assert.deepEqual(rest, [], `${file}: ${conn} received frames the scenario does not list`);
    }
    await behaviour.verify?.(ctx);
  } finally {
    for (const c of ctx.clients.values()) c.ws.terminate();
    for (const n of ctx.nodes) await n.close();
    await rig.close();
  }
}

/** Polls `pred` every 5 ms (for events that have no promise, like a PING already received). */
export function waitUntil(pred: () => boolean, what: string, timeoutMs?: number): Promise<void> {
  return until(what, pred, { limitMs: timeoutMs, stepMs: 5 });
}
