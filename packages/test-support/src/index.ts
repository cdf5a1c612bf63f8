/**
 * Helpers the tests of every workspace share, so that each lives in one place: loopback ports a
 * child process can bind later ({@link freePort}), and polling a condition with a hang guard
 * ({@link until}), and ZMTP bytes built by hand for raw peers (raw-zmtp.ts). Test code only: a devDependency, never in an image.
 */
export { ephemeralPortRange, freePort, type FreePortOptions } from './ports.js';
export { HANG_GUARD_MS, until, type UntilOptions } from './wait.js';
export { command, frame, greeting, ready } from './raw-zmtp.js';
