/** Config: Zeek-compatible defaults (zeromq-wire.md §1.5, §10), env/flag parsing, every error listed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadHubConfig, resolveHubConfig } from '../src/index.js';

describe('hub config', () => {
  it('defaults to zeekctl 8.1+ ports and Zeek hub behaviour', () => {
    const c = loadHubConfig({ env: {}, argv: [] });
    assert.equal(c.xpubPort, 27760);
    assert.equal(c.xsubPort, 27761);
    assert.equal(c.ioThreads, 2);
    assert.equal(c.ipv6, false);
    assert.equal(c.nodeTopicPrefix, 'zeek.cluster.node');
    assert.equal(c.nodeidTopicPrefix, 'zeek.cluster.nodeid');
    assert.ok(Object.isFrozen(c));
  });

  it('reads Zeek 8.0 ports and lists from env, flags win', () => {
    const c = loadHubConfig({
      env: {
        ZR_HUB_XPUB_PORT: '5555',
        ZR_HUB_XSUB_PORT: '5556',
        ZR_HUB_IPV6: 'true',
        ZR_HUB_CURVE_CLIENT_PUBLIC_KEY_FILES: '/a, /b',
      },
      argv: ['--xsub-port', '6000', '--slow-subscriber=block'],
    });
    assert.equal(c.xpubPort, 5555);
    assert.equal(c.xsubPort, 6000);
    assert.equal(c.ipv6, true);
    assert.equal(c.slowSubscriber, 'block');
    assert.deepEqual(c.curveClientPublicKeyFiles, ['/a', '/b']);
  });

  it('takes the Zeek version the operator sets (ZR_HUB_ZEEK_VERSION), 8.2 by default, and refuses others', () => {
    assert.equal(loadHubConfig({ env: {}, argv: [] }).zeekVersion, '8.2');
    assert.equal(loadHubConfig({ env: { ZR_HUB_ZEEK_VERSION: '8.0' }, argv: [] }).zeekVersion, '8.0');
    assert.equal(loadHubConfig({ env: {}, argv: ['--zeek-version', '9.0'] }).zeekVersion, '9.0');
    assert.throws(() => loadHubConfig({ env: { ZR_HUB_ZEEK_VERSION: '7.2' }, argv: [] }), {
      code: 'ZR_CONFIG_INVALID',
    });
  });

  it('reports every bad setting in one ConfigError', () => {
    assert.throws(
      () => loadHubConfig({ env: { ZR_HUB_XPUB_PORT: '-1', ZR_HUB_IO_THREADS: 'two' }, argv: ['--bogus'] }),
      (err: Error & { code?: string; problems?: string[] }) => {
        assert.equal(err.code, 'ZR_CONFIG_INVALID');
        assert.equal(err.problems?.length, 3, err.message);
        assert.match(err.message, /ZR_HUB_XPUB_PORT/);
        assert.match(err.message, /ZR_HUB_IO_THREADS/);
        assert.match(err.message, /--bogus/);
        return true;
      },
    );
  });

  it('resolves a partial object for embedding (ports 0 allowed)', () => {
    const c = resolveHubConfig({
      xpubPort: 0,
      xsubPort: 0,
      heartbeatIntervalMs: 0,
      curveClientPublicKeys: ['k1', 'k2'],
    });
    assert.equal(c.xpubPort, 0);
    assert.equal(c.heartbeatIntervalMs, 0);
    assert.equal(c.httpPort, 9911);
    assert.deepEqual(c.curveClientPublicKeys, ['k1', 'k2']);
  });
});
