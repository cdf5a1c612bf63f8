import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

function run(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

test('bad configuration: one line per problem with its code, exit 1, no stack trace', () => {
  const r = run(['--bogus'], { ZR_OPERATOR_HEALTH_PORT: 'not-a-port' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^zeek-relay-operator: ZR_CONFIG_INVALID: Invalid configuration:/);
  assert.match(r.stderr, /unknown flag --bogus/);
  assert.match(r.stderr, /ZR_OPERATOR_HEALTH_PORT/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a kubeconfig that does not exist is ZR_OPERATOR_KUBECONFIG, exit 1, no stack trace', () => {
  const r = run([], { KUBECONFIG: '/nonexistent/zeek-relay-test-kubeconfig' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /^zeek-relay-operator: ZR_OPERATOR_KUBECONFIG: Could not load a kubeconfig from \/nonexistent\/zeek-relay-test-kubeconfig: ENOENT/,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
