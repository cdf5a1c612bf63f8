import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configBanner, layoutConfig, zeek80Config, zeek81Config } from '../src/up/zeek-config.js';

const E = { host: '127.0.0.1', xpubPort: 27760, xsubPort: 27761, logPort: 27764, gatewayPort: 27759 };

test('manager_is_logger = F is printed for the cluster layout, not for site/local.zeek (too late there)', () => {
  assert.deepEqual(layoutConfig(), ['redef Cluster::manager_is_logger = F;']);
  for (const lines of [zeek80Config(E), zeek81Config(E)])
    assert.ok(!lines.some((l) => l.includes('manager_is_logger')), lines.join('\n'));
  const banner = configBanner(E, './logs').split('\n');
  const layoutAt = banner.findIndex((l) => l.includes('cluster-layout.zeek'));
  const mil = banner.findIndex((l) => l.includes('manager_is_logger'));
  const siteAt = banner.findIndex((l) => l.includes('site/local.zeek)'));
  assert.ok(layoutAt >= 0 && layoutAt < mil && mil < siteAt, banner.join('\n'));
  assert.equal(banner.filter((l) => l.includes('manager_is_logger')).length, 1);
});

test('8.0 loads the connect script, 8.1+ the package; both point at the hub and the sink', () => {
  assert.equal(zeek80Config(E)[0], '@load frameworks/cluster/backend/zeromq/connect');
  assert.equal(zeek81Config(E)[0], '@load frameworks/cluster/backend/zeromq');
  for (const lines of [zeek80Config(E), zeek81Config(E)]) {
    assert.ok(
      lines.includes('redef Cluster::Backend::ZeroMQ::connect_xpub_endpoint = "tcp://127.0.0.1:27761";'),
    );
    assert.ok(
      lines.includes('redef Cluster::Backend::ZeroMQ::connect_xsub_endpoint = "tcp://127.0.0.1:27760";'),
    );
    assert.ok(
      lines.includes(
        'redef Cluster::Backend::ZeroMQ::connect_log_endpoints = vector("tcp://127.0.0.1:27764");',
      ),
    );
    assert.ok(lines.includes('redef Cluster::Backend::ZeroMQ::run_proxy_thread = F;'));
  }
});
