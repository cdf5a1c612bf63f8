/**
 * Loopback ports for processes a test starts later. A port from `listen(0)` comes from the
 * kernel's ephemeral range, the same range every outgoing connection takes its source port from:
 * between the test closing its probe and the child binding the port, a reconnecting node (or any
 * other process's `bind(0)`) can take it, and the child fails with EADDRINUSE. The ports handed out
 * here lie outside that range, where only an explicit `bind(port)` can land.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the kernel's range is published (Linux). */
const RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
/** Elsewhere (no such file): the IANA dynamic range most systems use. */
const IANA_RANGE: readonly [number, number] = [49_152, 65_535];
/** Below this lie the well-known and much-used registered ports: never handed out. */
const FLOOR = 10_000;
/** Fewer candidate ports than this on either side of the range is too few to pick from at random. */
const MIN_CANDIDATES = 1_000;

/** The kernel's ephemeral port range `[low, high]`: where `connect()` and `bind(0)` take ports from. */
export function ephemeralPortRange(file = RANGE_FILE): readonly [number, number] {
  try {
    const [lo, hi] = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    if (lo !== undefined && hi !== undefined && lo > 0 && hi >= lo && hi <= 65_535) return [lo, hi];
  } catch {
    // not Linux (or /proc not mounted): fall back below
  }
  return IANA_RANGE;
}

/** The ports to pick from: below the ephemeral range, else above it. */
function candidates([lo, hi]: readonly [number, number]): readonly [number, number] {
  if (lo - FLOOR >= MIN_CANDIDATES) return [FLOOR, lo - 1];
  if (65_535 - hi >= MIN_CANDIDATES) return [hi + 1, 65_535];
  throw new Error(
    `freePort: the ephemeral range ${lo}–${hi} leaves fewer than ${MIN_CANDIDATES} ports outside it (${RANGE_FILE})`,
  );
}

/** Ports this process has handed out: a test that asks twice never gets the same one twice. */
const handedOut = new Set<number>();

function listenable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function take(port: number): number {
  handedOut.add(port);
  return port;
}

/** Options of {@link freePort}. */
export interface FreePortOptions {
  /** Ports never to hand out (e.g. a program's defaults another test binds). */
  readonly avoid?: Iterable<number>;
  /** The address the port must be free on (default 127.0.0.1). */
  readonly host?: string;
  /** The ephemeral range to stay out of (default: {@link ephemeralPortRange}). */
  readonly range?: readonly [number, number];
}

/**
 * A TCP port free on `host` now and outside the ephemeral range, picked at random from 10000 up to
 * the range's start (or, where the range starts lower, above its end), so concurrent tests rarely
 * pick the same one; a port some process holds, or this process handed out before, is skipped.
 * Throws when none is free.
 */
export async function freePort(options: FreePortOptions = {}): Promise<number> {
  const [first, last] = candidates(options.range ?? ephemeralPortRange());
  const avoid = new Set([...handedOut, ...(options.avoid ?? [])]);
  const host = options.host ?? '127.0.0.1';
  // Random picks spread concurrent tests apart; after that many misses, a scan settles it.
  for (let i = 0; i < 100; i++) {
    const port = first + Math.floor(Math.random() * (last - first + 1));
    if (!avoid.has(port) && (await listenable(port, host))) return take(port);
  }
  for (let port = first; port <= last; port++)
    if (!avoid.has(port) && (await listenable(port, host))) return take(port);
  throw new Error(`freePort: no free port on ${host} in ${first}–${last}`);
}
