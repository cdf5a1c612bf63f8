/**
 * The CURVE Secret named by `spec.hub.curveSecretName`, defined once for every builder.
 *
 * Zeek 8.2+ uses ONE server key pair (the hub and every process that binds a PULL socket, i.e.
 * loggers — here the log sinks) and ONE client key pair shared by every connecting process
 * (Zeek nodes, the gateway). So the Secret holds exactly four Z85 keys (40 characters each):
 *
 * | key | who gets it |
 * |---|---|
 * | `server-secret-key` | hub, log sinks, Zeek loggers — the processes that bind |
 * | `server-public-key` | every client: Zeek nodes, gateway |
 * | `client-public-key` | every client, and every server as its one-key ZAP allow-list |
 * | `client-secret-key` | every client: Zeek nodes, gateway |
 *
 * All four are required: each pod names exactly the keys it needs (Secret volume `items`,
 * `secretKeyRef` without `optional`), so a missing key keeps the pod from starting
 * (`FailedMount` / `CreateContainerConfigError` on the pod) instead of running it without CURVE.
 * No pod ever gets a key it does not need.
 */
export const CURVE_KEY = {
  serverSecret: 'server-secret-key',
  serverPublic: 'server-public-key',
  clientPublic: 'client-public-key',
  clientSecret: 'client-secret-key',
} as const;

/** One of the four Secret keys. */
export type CurveKey = (typeof CURVE_KEY)[keyof typeof CURVE_KEY];

/** Where the hub and the log sinks see their two keys as files. */
export const CURVE_SERVER_DIR = '/etc/zeek-relay/curve';

/** Keys a server (hub, log sink) mounts: its secret key and the client key it admits. */
export const SERVER_KEYS: readonly CurveKey[] = [CURVE_KEY.serverSecret, CURVE_KEY.clientPublic];

/** Keys every client (Zeek node, gateway) needs: server public key and the shared client pair. */
export const CLIENT_KEYS: readonly CurveKey[] = [
  CURVE_KEY.serverPublic,
  CURVE_KEY.clientPublic,
  CURVE_KEY.clientSecret,
];

/**
 * A Secret volume carrying only `keys` (each at its own name). Keys listed in `items` must exist
 * in the Secret, else the kubelet refuses the mount and the pod stays pending with an Event.
 */
export function curveVolume(
  name: string,
  secretName: string,
  keys: readonly CurveKey[],
): Record<string, unknown> {
  return { name, secret: { secretName, items: keys.map((key) => ({ key, path: key })) } };
}

/** The read-only mount of a {@link curveVolume} at `dir`. */
export function curveMount(name: string, dir: string): Record<string, unknown> {
  return { name, mountPath: dir, readOnly: true };
}

/** Zeek's CURVE environment variables (8.2+), by the Secret key each one takes. */
const ZEEK_CURVE_ENV: Readonly<Record<CurveKey, string>> = {
  [CURVE_KEY.serverPublic]: 'ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_PUBLICKEY',
  [CURVE_KEY.serverSecret]: 'ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY',
  [CURVE_KEY.clientPublic]: 'ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_PUBLICKEY',
  [CURVE_KEY.clientSecret]: 'ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_SECRETKEY',
};

/**
 * The env entries of a Zeek container: the client side (server public, client public, client
 * secret) for every node, plus the server secret only for a process that binds a PULL socket
 * (`bindsPull`: a Zeek logger; the operator's loggers are the log sinks, so today none).
 * Values come by `secretKeyRef`, never inline, so keys do not show in the pod template. The
 * generated policy script sets none of the `curve_*` options: Zeek aborts when both are used.
 */
export function zeekCurveEnv(secretName: string, bindsPull: boolean): Record<string, unknown>[] {
  const keys = bindsPull ? [...CLIENT_KEYS, CURVE_KEY.serverSecret] : CLIENT_KEYS;
  return keys.map((key) => ({
    name: ZEEK_CURVE_ENV[key],
    valueFrom: { secretKeyRef: { name: secretName, key } },
  }));
}

/**
 * Why a ZeekCluster's CURVE cannot work with its Zeek image, or undefined: Zeek reads the
 * `ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_*` variables from 8.2 on; 8.0/8.1 ignore them and then fail
 * every handshake with the CURVE hub. Judged from the image tag only (`…:8.1.3`, `…:v8.0`); a
 * digest, `latest` or any other tag gives no warning, since the version cannot be known.
 */
export function curveZeekImageWarning(
  curveSecretName: string | undefined,
  zeekImage: string,
): string | undefined {
  if (curveSecretName === undefined) return undefined;
  const name = zeekImage.split('@')[0] ?? '';
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const m = /^v?(\d+)\.(\d+)(?:[.-]|$)/.exec(name.slice(colon + 1));
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major > 8 || (major === 8 && minor >= 2)) return undefined;
  return `spec.hub.curveSecretName is set, but the Zeek image ${zeekImage} is Zeek ${major}.${minor}: CURVE needs Zeek 8.2 or later, so its nodes cannot connect to the hub`;
}
