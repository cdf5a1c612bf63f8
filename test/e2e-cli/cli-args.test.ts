/** Argument errors of the real `zeek-relay` bin: one clear line, the right exit code, nothing started. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { freePort, runCli } from './helpers.js';

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = runCli(args);
  const code = await c.exited;
  await new Promise((r) => setImmediate(r));
  return { code, stdout: c.stdout, stderr: c.stderr };
}

const usage: Array<[string[], RegExp]> = [
  [['simulate', '--rate', 'abc'], /option '--rate <n>' argument 'abc' is invalid\. Expected a number/],
  [['simulate', '--workers', '0'], /option '--workers <n>' argument '0' is invalid/],
  [
    ['simulate', '--xpub-port', '70000'],
    /option '--xpub-port <port>' argument '70000' is invalid\. Expected a TCP port/,
  ],
  [
    ['simulate', '--event-mix', 'bogus=1'],
    /ZR_CLI_INVALID_ARGUMENT: --event-mix: "bogus=1" is not <name>=<weight>/,
  ],
  [
    ['simulate', '--log-mix', 'conn=0'],
    /ZR_CLI_INVALID_ARGUMENT: --log-mix: at least one weight must be positive/,
  ],
  [['frobnicate'], /unknown command 'frobnicate'/],
  [['subscribe', '--bogus'], /unknown option '--bogus'/],
  [['publish'], /missing required argument 'topic'/],
  [['publish', 't', 'Test::x', 'count:-1'], /ZR_CLI_INVALID_ARGUMENT: Invalid event argument "count:-1"/],
  [
    ['publish', 't', 'Test::x', 'addr:999.1.1.1'],
    /ZR_CLI_INVALID_ARGUMENT: Invalid event argument "addr:999\.1\.1\.1"/,
  ],
  [['up', '--log-format', 'xml'], /option '--log-format <format>' argument 'xml' is invalid/],
  [['up', '--log-level', 'loud'], /option '--log-level <level>' argument 'loud' is invalid/],
  [['up', '--zeek-version', '7.2'], /option '--zeek-version <version>' argument '7\.2' is invalid/],
];

for (const [args, message] of usage) {
  test(`usage error: zeek-relay ${args.join(' ')}`, async () => {
    const r = await run(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('unreachable services exit with 3 (EXIT_CODES.START_FAILED) and a typed code', async () => {
  const port = await freePort();
  const nodes = await run(['nodes', '--url', `http://127.0.0.1:${port}`]);
  assert.equal(nodes.code, 3);
  assert.match(nodes.stderr, /ZR_CLI_SERVICE_UNAVAILABLE: Could not reach the hub/);
  const sub = await run(['subscribe', 'zeek/', '--url', `ws://127.0.0.1:${port}`]);
  assert.equal(sub.code, 3);
  assert.match(sub.stderr, /ZR_CLIENT_CONNECT_FAILED/);
  const sim = await run([
    'simulate',
    '--xpub-port',
    String(port),
    '--xsub-port',
    String(port),
    '--ready-timeout',
    '0.3',
    '--no-logs',
  ]);
  assert.equal(sim.code, 3);
  assert.match(sim.stderr, /ZR_CLI_SIM_NOT_READY: Simulated nodes did not see each other within 300 ms/);
});

test('--help lists every command and --version prints the version', async () => {
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  for (const c of ['up', 'simulate', 'subscribe', 'publish', 'nodes'])
    assert.match(help.stdout, new RegExp(`\\n  ${c}\\b`));
  const version = await run(['--version']);
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), '0.1.0');
});

test('up with a port already in use fails with ZR_CLI_SERVICE_UNAVAILABLE and starts nothing', async () => {
  const busy = createServer();
  const port = await freePort();
  await new Promise<void>((r) => busy.listen(port, '127.0.0.1', r));
  try {
    const others = [await freePort(), await freePort(), await freePort(), await freePort()].map(String);
    const r = await run([
      'up',
      '--xpub-port',
      String(port),
      '--xsub-port',
      others[0]!,
      '--gateway-port',
      others[1]!,
      '--log-port',
      others[2]!,
      '--http-port',
      others[3]!,
      '--log-dir',
      '/tmp/zr-unused-logs',
    ]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /ZR_CLI_SERVICE_UNAVAILABLE: Could not start the hub: .*XPUB/);
    assert.doesNotMatch(r.stdout, /zeek-relay is up/);
  } finally {
    await new Promise((r) => busy.close(r));
  }
});
