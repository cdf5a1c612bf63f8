/**
 * captured/websocket-replays.json: the exact text frames Zeek 8.0.10 sent while replaying the
 * scenario files. Each must be reproduced byte for byte by our formatters after parsing it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAck, formatDataMessage, formatError, parseDataMessage } from '../../src/index.js';
import { loadFixture } from '../helpers/broker-fixtures.js';

interface Scenario {
  file: string;
  server_frames?: { conn: string; text?: string }[];
}
const fx = loadFixture<{ scenarios: Scenario[] }>('captured/websocket-replays.json');
const utf8 = new TextDecoder();

describe('server frames of the replayed scenarios', () => {
  for (const s of fx.scenarios) {
    const frames = s.server_frames;
    if (frames === undefined) continue; // flooding replay: only close codes were recorded
    it(s.file, () => {
      let n = 0;
      for (const f of frames) {
        if (f.text === undefined) continue;
        const o = JSON.parse(f.text) as Record<string, string>;
        let ours: string;
        if (o['type'] === 'ack') ours = formatAck(o['endpoint'] as string, o['version'] as string);
        else if (o['type'] === 'error') ours = formatError(o['code'] as string, o['context'] as string);
        else {
          const msg = parseDataMessage(f.text);
          ours = utf8.decode(formatDataMessage(msg.topic, msg.data));
          assert.equal(utf8.decode(formatDataMessage(msg.topic, msg.data, { dialect: 'zeek' })), f.text);
        }
        assert.equal(ours, f.text);
        n++;
      }
      assert.ok(n > 0 || frames.length === 0);
    });
  }
});
