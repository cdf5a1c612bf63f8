/** JSON text of a client data message carrying `name(args…)` (args already in Broker JSON form). */
export function dataMessage(
  topic: string,
  name: string,
  args: readonly unknown[],
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    type: 'data-message',
    topic,
    '@data-type': 'vector',
    data: [
      { '@data-type': 'count', data: 1 },
      { '@data-type': 'count', data: 1 },
      {
        '@data-type': 'vector',
        data: [
          { '@data-type': 'string', data: name },
          { '@data-type': 'vector', data: args },
        ],
      },
    ],
    ...extra,
  });
}

export const S = (s: string): unknown => ({ '@data-type': 'string', data: s });
export const C = (n: number): unknown => ({ '@data-type': 'count', data: n });
