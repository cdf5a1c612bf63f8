/**
 * Developer CLI for the test control plane.
 *   node test/dist/k8s/cluster.js up [--nodes N] [--tier apiserver|cluster]
 *     starts everything in the foreground, prints KUBECONFIG, stops it all on Ctrl-C / SIGTERM.
 *   node test/dist/k8s/cluster.js toolchain
 *     builds (or finds) the cached binaries and prints their directory.
 */
import { parseArgs } from 'node:util';
import { ensureToolchain } from '../helpers/k8s/toolchain.js';
import { startControlPlane } from '../helpers/k8s/control-plane.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { nodes: { type: 'string', default: '2' }, tier: { type: 'string', default: 'cluster' } },
});
const cmd = positionals[0];
if (cmd === 'toolchain') {
  const tc = await ensureToolchain();
  console.log(tc.binDir);
} else if (cmd === 'up') {
  const tier = values.tier === 'apiserver' ? 'apiserver' : 'cluster';
  const cp = await startControlPlane({
    tier,
    nodes: Number(values.nodes),
    keepDir: true,
    log: (l) => console.error(l),
  });
  console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);
  console.error(`Logs in ${cp.dir}/logs; Ctrl-C stops everything.`);
  const shutdown = (): void => {
    void cp.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} else {
  console.error('usage: cluster.js up [--nodes N] [--tier apiserver|cluster] | toolchain');
  process.exit(2);
}
