import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The kernel's ephemeral port range (source ports of outgoing connections, `bind(0)`). */
function ephemeralLow(): number {
  try {
    const lo = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (lo > 10_000) return lo;
  } catch {
    // not Linux: the IANA range most systems use
  }
  return 49_152;
}

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A TCP port free on 127.0.0.1 now, for tests that must restart a hub on the same port. It lies
 * below the ephemeral range, so no outgoing connection of the test (whose source port comes from
 * that range; the nodes reconnect all the time) can take it between the two hubs: a port from
 * `listen(0)` could be, and the hub then exited with ZR_HUB_BIND_FAILED.
 */
export async function freePort(): Promise<number> {
  const lo = ephemeralLow();
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * (lo - 10_000));
    if (await listenable(port)) return port;
  }
}
