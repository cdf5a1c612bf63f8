/**
 * The WebSocket scenario files (zeek-8.0/websocket/*.json of @zeek-relay/fixtures, from Zeek's btests, replayed against
 * Zeek 8.0.10): every subscription message, client data message and server message in them must
 * be handled by the codec exactly as the transcript shows.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fixturePath } from '@zeek-relay/fixtures';
import { describe, it } from 'node:test';
import {
  DecodeError,
  WS_ERROR_CONTEXTS,
  formatAck,
  formatDataMessage,
  formatError,
  parseDataMessage,
  parseSubscriptions,
} from '../../src/index.js';
import { loadFixture } from '../helpers/broker-fixtures.js';

interface Step {
  dir: 'client->server' | 'server->client';
  conn: string;
  json: unknown;
  text?: string;
  frame?: { type: string };
}

const DIR = fixturePath('zeek-8.0', 'websocket');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const SUB_ERRORS: string[] = [
  WS_ERROR_CONTEXTS.subscriptionsNotArray,
  WS_ERROR_CONTEXTS.subscriptionNotString,
];
const DATA_ERRORS: string[] = [WS_ERROR_CONTEXTS.decodeFailed, WS_ERROR_CONTEXTS.noTopic];

function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof DecodeError, `only DecodeError, got ${String(e)}`);
    return e.reason;
  }
}

describe('WebSocket scenario transcripts', () => {
  for (const file of files) {
    const steps = loadFixture<Step[]>(`websocket/${file}`);
    if (!Array.isArray(steps) || steps.length === 0) continue;
    it(file, () => {
      const subscribed = new Set<string>();
      const ours = new Map<string, string[]>();
      const zeeks = new Map<string, string[]>();
      const push = (m: Map<string, string[]>, k: string, v: string) => m.set(k, [...(m.get(k) ?? []), v]);
      for (const s of steps) {
        const payload = s.text ?? (s.json === null ? undefined : JSON.stringify(s.json));
        if (payload === undefined) continue;
        const o = s.json as Record<string, unknown> | null;
        if (s.dir === 'client->server') {
          if (!subscribed.has(s.conn)) {
            subscribed.add(s.conn);
            push(ours, s.conn, `sub:${outcome(() => parseSubscriptions(payload))}`);
          } else {
            const r = outcome(() => parseDataMessage(payload));
            if (r !== 'ok') push(ours, s.conn, `data:${r}`);
          }
          continue;
        }
        if (o?.['type'] === 'ack') {
          push(zeeks, s.conn, 'sub:ok');
          assert.deepStrictEqual(JSON.parse(formatAck(o['endpoint'] as string, o['version'] as string)), o);
        } else if (o?.['type'] === 'error') {
          const ctx = o['context'] as string;
          if (SUB_ERRORS.includes(ctx)) push(zeeks, s.conn, `sub:${ctx}`);
          if (DATA_ERRORS.includes(ctx)) push(zeeks, s.conn, `data:${ctx}`);
          assert.deepStrictEqual(JSON.parse(formatError(o['code'] as string, ctx)), o);
        } else if (o?.['type'] === 'data-message') {
          const msg = parseDataMessage(payload);
          const text = new TextDecoder().decode(formatDataMessage(msg.topic, msg.data));
          assert.deepStrictEqual(JSON.parse(text), o);
        }
      }
      // Connections rejected before the handshake (bad path/header) never send subscriptions.
      for (const [conn, expected] of zeeks)
        assert.deepStrictEqual(ours.get(conn) ?? [], expected, `${file} ${conn}`);
    });
  }
});

describe('subscription message edge cases (websocket-protocol.json)', () => {
  it('accepts [""] (match-all) and a binary frame', () => {
    assert.deepStrictEqual(parseSubscriptions('[""]'), ['']);
    assert.deepStrictEqual(parseSubscriptions(new TextEncoder().encode('["/a/"]')), ['/a/']);
    assert.deepStrictEqual(parseSubscriptions('[]'), []);
  });
  for (const [name, text] of [
    ['trailing garbage', '["a"] x'],
    ['object', '{"a":1}'],
    ['truncated', '["broken", "brrr'],
  ] as const) {
    it(`rejects ${name}`, () =>
      assert.equal(
        outcome(() => parseSubscriptions(text)),
        WS_ERROR_CONTEXTS.subscriptionsNotArray,
      ));
  }
});
