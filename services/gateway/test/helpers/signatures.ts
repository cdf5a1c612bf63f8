import { data, type ZeekEvent } from '@zeek-relay/wire';
import {
  REQUEST_SIGNATURES_EVENT,
  REQUEST_SIGNATURES_TOPIC,
  SIGNATURES_EVENT,
  SIGNATURES_TOPIC,
} from '../../src/index.js';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';

/**
 * The event deploy/zeek/zeek-relay/event-signatures.zeek sends: `ZeekRelay::signatures(node,
 * events, types)`, both tables `table[string] of string` (event name → `global_ids()` rendering,
 * enum name → `enum { … }`).
 */
export function signaturesEvent(
  node: string,
  events: Record<string, string>,
  types: Record<string, string> = {},
): ZeekEvent {
  const table = (o: Record<string, string>) =>
    data.table(...Object.entries(o).map(([k, v]) => [data.string(k), data.string(v)] as const));
  return { name: SIGNATURES_EVENT, args: [data.string(node), table(events), table(types)] };
}

/**
 * Makes `node` behave as a manager that loaded event-signatures.zeek: subscribed to the request
 * topic, it publishes `event` whenever a gateway asks. Resolves once subscribed.
 */
export async function answerSignatureRequests(node: EmulatedZeekNode, event: ZeekEvent): Promise<void> {
  const previous = node.onEvent;
  node.onEvent = (r, n) => {
    previous?.(r, n);
    if (r.event?.name === REQUEST_SIGNATURES_EVENT) void n.publishWhenSubscribed(SIGNATURES_TOPIC, event);
  };
  await node.subscribeAndWait(REQUEST_SIGNATURES_TOPIC);
}

/** How Zeek 8.2 renders Test::ping of the WebSocket recordings (fixtures zeek-8.2/README.md). */
export const TEST_PING_RENDERING =
  'event(c:count, i:int, d:double, s:string, a:addr, sn:subnet, p:port, t:time, iv:interval, ' +
  'e:Test::Color, b:bool, ss:set[string], tsc:table[string] of count, vs:vector of string, r:Test::Rec)';
