// The `helm test` script (charts/zeek-relay/files/gateway-roundtrip.mjs) run for real against a hub
// and a gateway started from the built services on loopback: it must pass when events flow through
// gateway -> hub -> gateway, and fail when nothing answers or when the gateway rejects its token.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, repoRoot } from '../helpers/k8s/index.js';
import { startService, waitHealthy, type ServiceProcess } from '../images/service-process.js';
import { CHART_DIR } from './helm.js';

const root = repoRoot();
const SCRIPT = join(CHART_DIR, 'files', 'gateway-roundtrip.mjs');
const work = mkdtempSync(join(tmpdir(), 'zr-roundtrip-'));
const procs: ServiceProcess[] = [];
let gatewayUrl = '';
const metricsUrls: Record<'hub' | 'gateway', string> = { hub: '', gateway: '' };
let tokenGatewayUrl = '';

/** Runs the helm-test script as the test pod would (its env), resolving `ws` from the repository. */
function runScript(env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT],
      { env: { PATH: process.env.PATH, ZR_TEST_MODULES: `${root}/`, ZR_TEST_TIMEOUT_MS: '20000', ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

async function startGateway(xpub: number, xsub: number, extra: NodeJS.ProcessEnv = {}): Promise<string> {
  const [port, health] = [await freePort(), await freePort()];
  metricsUrls.gateway ||= `http://127.0.0.1:${health}/metrics`;
  const gw = startService('services/gateway/dist/src/main.js', {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      ZR_GATEWAY_HOST: '127.0.0.1',
      ZR_GATEWAY_PORT: String(port),
      ZR_GATEWAY_HEALTH_HOST: '127.0.0.1',
      ZR_GATEWAY_HEALTH_PORT: String(health),
      // The gateway's XPUB connects to the hub's XSUB and vice versa (Zeek's connect_* naming).
      ZR_GATEWAY_CONNECT_XPUB_ENDPOINT: `tcp://127.0.0.1:${xsub}`,
      ZR_GATEWAY_CONNECT_XSUB_ENDPOINT: `tcp://127.0.0.1:${xpub}`,
      ...extra,
    },
  });
  procs.push(gw);
  await waitHealthy(`http://127.0.0.1:${health}/healthz`, gw);
  return `ws://127.0.0.1:${port}/v1/messages/json`;
}

describe('helm test script against a real gateway and hub', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    const [xpub, xsub, hubHttp] = [await freePort(), await freePort(), await freePort()];
    const hub = startService('services/hub/dist/src/main.js', {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        ZR_HUB_BIND_ADDRESS: '127.0.0.1',
        ZR_HUB_XPUB_PORT: String(xpub),
        ZR_HUB_XSUB_PORT: String(xsub),
        ZR_HUB_HTTP_HOST: '127.0.0.1',
        ZR_HUB_HTTP_PORT: String(hubHttp),
        // The data path the dashboard's traffic panels are for (Zeek's proxy counters, drops).
        ZR_HUB_FORWARDING: 'zmtp',
      },
    });
    procs.push(hub);
    await waitHealthy(`http://127.0.0.1:${hubHttp}/healthz`, hub);
    metricsUrls.hub = `http://127.0.0.1:${hubHttp}/metrics`;
    gatewayUrl = await startGateway(xpub, xsub);
    const tokens = join(work, 'tokens.json');
    writeFileSync(tokens, JSON.stringify({ tokens: [{ name: 'helm-test', token: 's3cret-token' }] }));
    tokenGatewayUrl = await startGateway(xpub, xsub, { ZR_GATEWAY_TOKENS_FILE: tokens });
  });
  after(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    rmSync(work, { recursive: true, force: true });
  });

  it('passes: the event published by one client comes back to the subscriber', async () => {
    const res = await runScript({ ZR_TEST_URL: gatewayUrl });
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /event came back through ws:\/\/127\.0\.0\.1:\d+\/v1\/messages\/json/);
  });

  it('passes through a gateway that requires a bearer token when given the token', async () => {
    const res = await runScript({ ZR_TEST_URL: tokenGatewayUrl, ZR_TEST_TOKEN: 's3cret-token\n' });
    assert.equal(res.code, 0, res.out);
  });

  it('fails with a wrong token', async () => {
    const res = await runScript({ ZR_TEST_URL: tokenGatewayUrl, ZR_TEST_TOKEN: 'wrong' });
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /gateway-roundtrip: subscriber: Unexpected server response: 401/);
  });

  it('fails when no gateway listens', async () => {
    const res = await runScript({ ZR_TEST_URL: `ws://127.0.0.1:${await freePort()}/v1/messages/json` });
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /gateway-roundtrip: subscriber: .*ECONNREFUSED/);
  });

  it('after the round trip, every hub and gateway metric the Grafana dashboard queries is exported', async () => {
    const board = readFileSync(join(CHART_DIR, 'files', 'grafana-dashboard.json'), 'utf8');
    // Zeek's own proxy counters are the hub's; a drop series appears with the first drop, which
    // this round trip has none of (hub-slow-subscriber.test reads it from /metrics after drops).
    const firstDrop = 'zeek_relay_hub_subscriber_drops_total';
    const queried = [
      ...new Set(board.match(/zeek_(relay_(hub|gateway)|cluster_zeromq_proxy)_[a-z_]+/g) ?? []),
    ];
    assert.ok(queried.includes(firstDrop), 'the dashboard charts drops per subscriber');
    const wanted = queried.filter((n) => n !== firstDrop);
    assert.ok(wanted.length >= 11, `dashboard queries only ${wanted.join(', ')}`);
    const owner = (n: string): 'hub' | 'gateway' => (n.startsWith('zeek_relay_gateway_') ? 'gateway' : 'hub');
    for (const svc of ['hub', 'gateway'] as const) {
      const text = await (await fetch(metricsUrls[svc])).text();
      const families = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
      for (const name of wanted.filter((n) => owner(n) === svc)) {
        const family = name.replace(/_(bucket|sum|count)$/, '');
        assert.ok(
          families.has(family) || families.has(family.replace(/_total$/, '')),
          `${svc} does not export ${name}; it has ${[...families].join(', ')}`,
        );
      }
    }
  });
});
