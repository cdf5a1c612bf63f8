/** `zeek-relay nodes`: the Zeek nodes connected to a hub (its HTTP `GET /nodes`). */
import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORTS } from '../defaults.js';
import { CLI_ERROR_CODES, CliError } from '../errors.js';

interface NodeRow {
  readonly name: string;
  readonly id: string;
  readonly connectedSince?: string;
}

/** Fetches and validates the hub's node list. */
export async function fetchNodes(baseUrl: string): Promise<NodeRow[]> {
  const url = new URL('/nodes', baseUrl);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (cause) {
    throw new CliError(
      CLI_ERROR_CODES.SERVICE_UNAVAILABLE,
      `Could not reach the hub at ${url.href}: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (!res.ok)
    throw new CliError(CLI_ERROR_CODES.REQUEST_FAILED, `GET ${url.href} answered HTTP ${res.status}`);
  const body = (await res.json()) as { nodes?: unknown };
  if (!Array.isArray(body.nodes))
    throw new CliError(CLI_ERROR_CODES.REQUEST_FAILED, `GET ${url.href}: no "nodes" array in the answer`);
  return body.nodes.filter(
    (n): n is NodeRow => typeof n === 'object' && n !== null && typeof (n as NodeRow).id === 'string',
  );
}

/** Registers the command. */
export function registerNodes(program: Command): void {
  program
    .command('nodes')
    .description("List the Zeek nodes connected to the hub (from the hub's HTTP port)")
    .option('--url <url>', 'hub HTTP side port', `http://${DEFAULT_HOST}:${DEFAULT_PORTS.hubHttp}`)
    .option('--json', 'one JSON object per node', false)
    .action(async (flags: { url: string; json: boolean }) => {
      const nodes = await fetchNodes(flags.url);
      if (flags.json) {
        for (const n of nodes) process.stdout.write(`${JSON.stringify(n)}\n`);
        return;
      }
      if (nodes.length === 0) {
        process.stdout.write('No Zeek nodes connected.\n');
        return;
      }
      const w = Math.max(4, ...nodes.map((n) => n.name.length));
      process.stdout.write(`${'NAME'.padEnd(w)}  ${'CONNECTED SINCE'.padEnd(24)}  ID\n`);
      for (const n of nodes)
        process.stdout.write(`${n.name.padEnd(w)}  ${(n.connectedSince ?? '').padEnd(24)}  ${n.id}\n`);
    });
}
