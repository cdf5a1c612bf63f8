/**
 * A process that stops through `onShutdown`, for shutdown.test.ts. argv: `<graceMs> <mode>`.
 * Modes: `wait` (close finishes when stdin says `go`), `fast` (close finishes at once),
 * `never` (close never finishes), `chatty` (close finishes at once; stdout gets a line every
 * 10 ms, so a closed reader shows up as EPIPE). stdin `throw` raises an uncaught error. The close
 * and abort calls are reported on stderr.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { createLogger, onShutdown } from '../../src/index.js';

const [graceArg = '10000', mode = 'wait'] = process.argv.slice(2);
const log = createLogger({ service: 'stopper', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
let go: () => void = () => {};
const released = new Promise<void>((resolve) => (go = resolve));
onShutdown({
  log,
  graceMs: Number(graceArg),
  abort: () => process.stderr.write('abort\n'),
  close: async () => {
    process.stderr.write('closing\n');
    if (mode === 'never') await new Promise(() => {});
    if (mode === 'wait') await released;
  },
});
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'go') go();
  if (line === 'throw') throw new Error('boom');
});
if (mode === 'chatty') setInterval(() => process.stdout.write('tick\n'), 10);
process.stderr.write('ready\n');
