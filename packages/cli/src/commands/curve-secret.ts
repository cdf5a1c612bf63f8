/**
 * `zeek-relay curve-secret <name>`: a Kubernetes Secret with fresh CURVE keys for a ZeekCluster's
 * `spec.hub.curveSecretName` — one server pair (hub and log sinks) and one client pair (every Zeek
 * node and the gateway), as Zeek 8.2+ uses them (zeromq-wire.md §8.2). Keys come from libzmq's
 * `zmq_curve_keypair` (zeromq.js `curveKeyPair`), Z85, 40 characters, exactly what Zeek's
 * `Cluster::Backend::ZeroMQ::generate_keypair()` returns.
 */
import type { Command } from 'commander';
import { CLI_ERROR_CODES, CliError } from '../errors.js';

/** A DNS-1123 subdomain, what Kubernetes accepts as a Secret or namespace name. */
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The Secret object with two fresh key pairs. */
export function curveSecret(
  name: string,
  namespace: string | undefined,
  curveKeyPair: () => { publicKey: string; secretKey: string },
): Record<string, unknown> {
  for (const [what, value] of [
    ['name', name],
    ['namespace', namespace],
  ] as const) {
    if (value !== undefined && (value.length > 253 || !DNS1123.test(value))) {
      throw new CliError(
        CLI_ERROR_CODES.INVALID_ARGUMENT,
        `Secret ${what} '${value}' is not a valid Kubernetes name (lower case letters, digits, '-' and '.')`,
      );
    }
  }
  const server = curveKeyPair();
  const client = curveKeyPair();
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
    type: 'Opaque',
    stringData: {
      'server-public-key': server.publicKey,
      'server-secret-key': server.secretKey,
      'client-public-key': client.publicKey,
      'client-secret-key': client.secretKey,
    },
  };
}

/** Registers the command. */
export function registerCurveSecret(program: Command): void {
  program
    .command('curve-secret')
    .description(
      'Print a Kubernetes Secret with fresh CURVE keys for a ZeekCluster (spec.hub.curveSecretName); pipe it to kubectl apply -f -',
    )
    .argument('<name>', 'Secret name')
    .option('-n, --namespace <namespace>', 'namespace of the ZeekCluster')
    .option('--json', 'JSON instead of YAML', false)
    .action(async (name: string, flags: { namespace?: string; json: boolean }) => {
      // Loaded here, not at start-up: only this command needs libzmq and YAML.
      const { curveKeyPair } = await import('zeromq');
      const { stringify } = await import('yaml');
      const secret = curveSecret(name, flags.namespace, curveKeyPair);
      process.stdout.write(flags.json ? `${JSON.stringify(secret, null, 2)}\n` : stringify(secret));
    });
}
