/** captured/websocket-protocol.json json_string_escapes: how Zeek decodes JSON string escapes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, jsonToData } from '../../src/index.js';
import { loadFixture } from '../helpers/broker-fixtures.js';

interface Esc {
  name: string;
  json_string_content: string;
  server_reply: string | null;
  hosting_node_value: string | null;
}

/** Bytes from Zeek's handler output `v_string <name> <escaped> len=N` (\xNN escapes). */
function zeekBytes(out: string, name: string): number[] {
  const body = out.slice(`v_string ${name} `.length, out.lastIndexOf(' len='));
  const bytes: number[] = [];
  for (let i = 0; i < body.length; ) {
    if (body.startsWith('\\x', i)) {
      bytes.push(parseInt(body.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      bytes.push(...new TextEncoder().encode(body[i] as string));
      i++;
    }
  }
  return bytes;
}

const CONTENT: Record<string, string> = {
  'raw-utf8': '\u00e9',
  'raw-tab': '\t',
  'raw-0x01': '\u0001',
};
// Deliberate differences: \/ is '/' (Zeek: '?'); Zeek's non-JSON inputs are rejected here.
const OURS: Record<string, number[] | 'reject'> = {
  'esc-slash': [0x2f],
  'esc-v': 'reject',
  'raw-tab': 'reject',
  'raw-0x01': 'reject',
};

describe('broker-json-v1 string escapes (websocket-protocol json_string_escapes)', () => {
  const fx = loadFixture<{ json_string_escapes: Esc[] }>('captured/websocket-protocol.json');
  for (const v of fx.json_string_escapes) {
    it(v.name, () => {
      const content = CONTENT[v.name] ?? v.json_string_content;
      const text = `{"@data-type":"string","data":"${content}"}`;
      const expected =
        OURS[v.name] ??
        (v.server_reply === null ? zeekBytes(v.hosting_node_value as string, v.name) : 'reject');
      if (expected === 'reject') {
        assert.throws(() => jsonToData(text), DecodeError);
        if (v.server_reply === null) {
          // Zeek's non-JSON forms are accepted in the zeek dialect, with Zeek's result.
          const z = jsonToData(text, { dialect: 'zeek' });
          assert.deepStrictEqual(
            [...(z as { value: Uint8Array }).value],
            zeekBytes(v.hosting_node_value as string, v.name),
          );
        }
        return;
      }
      const d = jsonToData(text);
      assert.equal(d.type, 'string');
      assert.deepStrictEqual([...(d as { value: Uint8Array }).value], expected);
    });
  }
});
