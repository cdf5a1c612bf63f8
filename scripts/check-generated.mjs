#!/usr/bin/env node
// Fails when a generated file is out of date with its source (as kubebuilder's `make manifests` check):
// runs `npm run gen`, then asks git whether any generated path changed or appeared.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const GENERATED = [
  'charts/zeek-relay/values.schema.json',
  'charts/zeek-relay/README.md',
  'charts/zeek-relay/templates/crd',
  'deploy/crds',
  'deploy/install.yaml',
  'services/operator/src/generated',
];

const gen = spawnSync('npm', ['run', '--silent', 'gen'], { cwd: root, stdio: 'inherit' });
if (gen.status !== 0) process.exit(gen.status ?? 1);
const status = spawnSync('git', ['status', '--porcelain', '--', ...GENERATED], {
  cwd: root,
  encoding: 'utf8',
});
if (status.status !== 0) {
  console.error(status.stderr);
  process.exit(1);
}
if (status.stdout.trim() !== '') {
  console.error('check-generated: these generated files differ from what `npm run gen` writes:');
  console.error(status.stdout);
  spawnSync('git', ['--no-pager', 'diff', '--stat', '--', ...GENERATED], { cwd: root, stdio: 'inherit' });
  console.error('Run `npm run gen` and commit the result.');
  process.exit(1);
}
console.log('check-generated: all generated files are up to date');
