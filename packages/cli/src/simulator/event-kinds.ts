/**
 * The simulated event kinds and their default mix: no imports, so the `simulate` command can
 * describe its flags without loading the simulator (the CLI starts in well under 150 ms).
 */

/** Kinds of simulated events, by the Zeek publishing pattern they imitate. */
export const EVENT_KINDS = ['manager', 'worker', 'pool', 'node', 'app'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Default event mix (percent-like weights). */
export const DEFAULT_EVENT_MIX: Readonly<Record<EventKind, number>> = {
  manager: 30,
  worker: 10,
  pool: 20,
  node: 10,
  app: 30,
};
