/** events.json: the pinned broker-json-v1 rendering of Supervisor::node_status (Zeek doctest). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerJsonV1Serializer, dataEquals, eventToData } from '../../src/index.js';
import { fromVectorEvent, loadFixture } from '../helpers/broker-fixtures.js';

interface EventVector {
  name: string;
  event: Parameters<typeof fromVectorEvent>[0];
  broker_json_v1?: string;
}

describe('broker-json-v1 event serializer (events.json)', () => {
  for (const v of loadFixture<{ vectors: EventVector[] }>('events.json').vectors) {
    if (v.broker_json_v1 === undefined) continue;
    it(v.name, () => {
      const ev = fromVectorEvent(v.event);
      const bytes = brokerJsonV1Serializer.encode(ev);
      assert.equal(new TextDecoder().decode(bytes), v.broker_json_v1);
      const back = brokerJsonV1Serializer.decode(bytes);
      assert.ok(dataEquals(eventToData(back), eventToData(ev)));
    });
  }
});
