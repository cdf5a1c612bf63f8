/**
 * For hub-exit.test.ts: starts a hub (argv[2]: `native`, `counted` or `zmtp` forwarding) and leaves the
 * process without closing it, as a program or a test that fails half-way does: `exit` calls
 * `process.exit(0)`, `sigint` exits from a SIGINT handler (as node:test does when interrupted).
 */
import { createHub } from '../../src/index.js';

const [forwarding = 'native', how = 'exit'] = process.argv.slice(2);
const hub = createHub({
  bindAddress: '127.0.0.1',
  xpubPort: 0,
  xsubPort: 0,
  forwarding: forwarding === 'counted' || forwarding === 'zmtp' ? forwarding : 'native',
  logLevel: 'silent',
});
await hub.start();
process.stdout.write('started\n');
if (how === 'sigint') {
  process.once('SIGINT', () => process.exit(0));
  process.kill(process.pid, 'SIGINT');
} else process.exit(0);
