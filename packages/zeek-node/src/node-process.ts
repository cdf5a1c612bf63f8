/**
 * Child-process entry running one EmulatedZeekNode (argv[2] = JSON ZeekNodeOptions). Prints one
 * JSON line `{"type":"ready","id":…}` and then `{"type":"lifecycle","entry":…}` per node_up/down
 * and `{"type":"warning","text":…}` per warning Zeek's scripts would log.
 * Exits on SIGTERM; tests also SIGKILL or SIGSTOP it.
 */
import { EmulatedZeekNode, type ZeekNodeOptions } from './node.js';

const options = JSON.parse(process.argv[2] ?? '{}') as ZeekNodeOptions;
const node = new EmulatedZeekNode(options);
await node.start();
process.stdout.write(`${JSON.stringify({ type: 'ready', id: node.id })}\n`);
let reported = 0;
let warned = 0;
const timer = setInterval(() => {
  while (reported < node.lifecycle.length) {
    process.stdout.write(`${JSON.stringify({ type: 'lifecycle', entry: node.lifecycle[reported++] })}\n`);
  }
  while (warned < node.warnings.length) {
    process.stdout.write(`${JSON.stringify({ type: 'warning', text: node.warnings[warned++] })}\n`);
  }
}, 20);
process.on('SIGTERM', () => {
  clearInterval(timer);
  void node.close().then(() => process.exit(0));
});
