/**
 * The client → cluster event of the gateway benchmark (526 bytes of JSON v1): a data message with
 * counts, strings, an address and a port. bench:wire times the transcoder on it, and the
 * transcoder's tests check its fast paths against the two-step path on it and its mutations.
 */
const value = (type: string, v: unknown): unknown => ({ '@data-type': type, data: v });

export const GATEWAY_INBOUND_EVENT: Uint8Array = new TextEncoder().encode(
  JSON.stringify({
    type: 'data-message',
    topic: '/bench/in',
    ...(value('vector', [
      value('count', 1),
      value('count', 1),
      value('vector', [
        value('string', 'Bench::from_client'),
        value('vector', [
          value('string', 'inbound'),
          value('count', 42),
          value('address', '10.1.2.3'),
          value('port', '443/tcp'),
          value('string', 'x'.repeat(80)),
        ]),
      ]),
    ]) as object),
  }),
);
