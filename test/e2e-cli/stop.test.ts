/**
 * Every process stops, on any signal sequence and when its output goes away: `zeek-relay up`
 * (what `npm start` runs) and the four standalone services, as real processes with real signals
 * and real pipes (bash pipelines with `head` and `tee`). The bug these guard against: a second
 * signal (or an EPIPE turned uncaught error) called `process.exit()` while the hub's native proxy
 * still ran on a libuv pool thread, and the exit blocked forever joining that thread, ports bound.
 * Each step waits for the process's own output or its exit event; the test timeout is only a hang
 * guard.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN, freePort, REPO_ROOT, runCli, type Child } from './helpers.js';

const EXIT_OK = 0;
const EXIT_FORCED = 5;
/** Hang guard per test (a busy machine is slow, never wrong). */
const HANG_GUARD = { timeout: 240_000 };

const dir = mkdtempSync(join(tmpdir(), 'zr-stop-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function upFlags(): Promise<{ flags: string[]; http: number; hub: string[] }> {
  const [xpub, xsub, gw, logs, http] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const hub = ['--xpub-port', String(xpub), '--xsub-port', String(xsub), '--log-port', String(logs)];
  const flags = [
    ...hub,
    '--gateway-port',
    String(gw),
    '--http-port',
    String(http),
    '--log-dir',
    join(dir, 'logs'),
  ];
  return { flags, http, hub };
}

/** Resolves once `url` answers 200 (the process is up), polling; rejects if `exited` first. */
async function answers(url: string, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`exited before ${url} answered`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A bash pipeline in its own process group (as a terminal runs it); exits with node's status. */
function pipeline(script: string): { proc: ChildProcess; exited: Promise<number | null>; out: () => string } {
  const proc = spawn('bash', ['-c', `${script}; exit \${PIPESTATUS[0]}`], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { proc, exited: once(proc, 'exit').then(([code]) => code as number | null), out: () => out };
}

describe('zeek-relay up stops', () => {
  test('Ctrl-C twice while simulate --rate 5000 --log-rate 5000 runs', HANG_GUARD, async () => {
    const { flags, http, hub } = await upFlags();
    const up = runCli(['up', ...flags]);
    let sim: Child | undefined;
    try {
      await up.waitFor(/zeek-relay is up/);
      sim = runCli(['simulate', ...hub, '--rate', '5000', '--log-rate', '5000']);
      await answers(`http://127.0.0.1:${http}/readyz`, up.exited);
      for (;;) {
        const body = (await (await fetch(`http://127.0.0.1:${http}/nodes`)).json()) as { nodes: unknown[] };
        if (body.nodes.length === 4) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      up.proc.kill('SIGINT');
      await up.waitFor(/Shutting down…/);
      up.proc.kill('SIGINT');
      const code = await up.exited;
      assert.ok(code === EXIT_FORCED || code === EXIT_OK, `exit code ${code}\n${up.stderr}`);
      if (code === EXIT_FORCED) assert.match(up.stderr, /Shutdown cut short/);
    } finally {
      await sim?.stop('SIGINT');
      await up.stop('SIGKILL');
    }
  });

  test('npm start | head -2: the closed pipe (EPIPE) stops it, exit 0', HANG_GUARD, async () => {
    const { flags } = await upFlags();
    const p = pipeline(
      `'${process.execPath}' '${BIN}' up ${flags.join(' ')} --status-interval 0.1 | head -2`,
    );
    try {
      assert.equal(await p.exited, EXIT_OK, p.out());
      assert.match(p.out(), /^zeek-relay is up/);
    } finally {
      if (p.proc.exitCode === null) process.kill(-p.proc.pid!, 'SIGKILL');
    }
  });

  test(
    'npm start 2>&1 | tee up.log and Ctrl-C: tee goes first, up still stops, exit 0',
    HANG_GUARD,
    async () => {
      const { flags } = await upFlags();
      const log = join(dir, 'up.log');
      const p = pipeline(
        `'${process.execPath}' '${BIN}' up ${flags.join(' ')} --status-interval 0.1 2>&1 | tee '${log}'`,
      );
      try {
        while (!/zeek-relay is up/.test(p.out())) await once(p.proc.stdout!, 'data');
        process.kill(-p.proc.pid!, 'SIGINT'); // what a terminal's Ctrl-C does: the whole group
        assert.equal(await p.exited, EXIT_OK, p.out());
      } finally {
        if (p.proc.exitCode === null) process.kill(-p.proc.pid!, 'SIGKILL');
      }
    },
  );
});

interface ServiceCase {
  readonly main: string;
  env(health: number): Record<string, string>;
}

const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
);

const hubEnv = (health: number) => ({
  ZR_HUB_BIND_ADDRESS: '127.0.0.1',
  ZR_HUB_XPUB_PORT: '0',
  ZR_HUB_XSUB_PORT: '0',
  ZR_HUB_HTTP_HOST: '127.0.0.1',
  ZR_HUB_HTTP_PORT: String(health),
});

const SERVICES: Record<string, ServiceCase> = {
  hub: {
    main: 'services/hub/dist/src/main.js',
    env: (health) => hubEnv(health),
  },
  // The counting data path (JavaScript loops instead of the native proxy thread) stops the same way.
  'hub (forwarding=counted)': {
    main: 'services/hub/dist/src/main.js',
    env: (health) => ({ ...hubEnv(health), ZR_HUB_FORWARDING: 'counted' }),
  },
  gateway: {
    main: 'services/gateway/dist/src/main.js',
    env: (health) => ({
      ZR_GATEWAY_HOST: '127.0.0.1',
      ZR_GATEWAY_PORT: '0',
      ZR_GATEWAY_HEALTH_HOST: '127.0.0.1',
      ZR_GATEWAY_HEALTH_PORT: String(health),
      ZR_GATEWAY_CONNECT_XPUB_ENDPOINT: 'tcp://127.0.0.1:1',
      ZR_GATEWAY_CONNECT_XSUB_ENDPOINT: 'tcp://127.0.0.1:2',
    }),
  },
  'log-sink': {
    main: 'services/log-sink/dist/src/main.js',
    env: (health) => ({
      ZR_SINK_PULL_ENDPOINT: 'tcp://127.0.0.1:0',
      ZR_SINK_LOG_DIR: join(dir, `sink-${health}`),
      ZR_SINK_HTTP_HOST: '127.0.0.1',
      ZR_SINK_HTTP_PORT: String(health),
    }),
  },
  operator: {
    main: 'services/operator/dist/src/main.js',
    env: (health) => ({
      KUBECONFIG: kubeconfig,
      ZR_OPERATOR_HEALTH_HOST: '127.0.0.1',
      ZR_OPERATOR_HEALTH_PORT: String(health),
      ZR_OPERATOR_LEADER_ELECTION: 'false',
    }),
  },
};

/** Starts a service and waits until its health server answers. */
async function startService(
  c: ServiceCase,
): Promise<{ proc: ChildProcess; exited: Promise<number | null>; out: () => string }> {
  const health = await freePort();
  const proc = spawn(process.execPath, [join(REPO_ROOT, c.main)], {
    env: { PATH: process.env['PATH'] ?? '', ...c.env(health) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  await answers(`http://127.0.0.1:${health}/healthz`, exited);
  return { proc, exited, out: () => out };
}

for (const [name, c] of Object.entries(SERVICES)) {
  describe(`zeek-relay-${name} stops`, () => {
    test(
      'a second SIGTERM during the shutdown forces the exit (code 5, or 0 if already done)',
      HANG_GUARD,
      async () => {
        const s = await startService(c);
        try {
          s.proc.kill('SIGTERM');
          while (!/"msg":"Shutting down"/.test(s.out()) && s.proc.exitCode === null)
            await Promise.race([once(s.proc.stdout!, 'data'), s.exited]);
          s.proc.kill('SIGTERM');
          const code = await s.exited;
          assert.ok(code === EXIT_FORCED || code === EXIT_OK, `exit code ${code}\n${s.out()}`);
        } finally {
          s.proc.kill('SIGKILL');
        }
      },
    );

    test(
      'SIGTERM after its stdout reader went away (EPIPE on every log line): exit 0',
      HANG_GUARD,
      async () => {
        const s = await startService(c);
        try {
          s.proc.stdout!.destroy();
          s.proc.kill('SIGTERM');
          assert.equal(await s.exited, EXIT_OK, s.out());
        } finally {
          s.proc.kill('SIGKILL');
        }
      },
    );
  });
}
