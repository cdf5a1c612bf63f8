/** Typed configuration: defaults, coercion from environment strings, and one error listing every problem. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSinkConfig, resolveSinkConfig } from '../src/index.js';
import { textSettingsOf } from '../src/text-options.js';

test('defaults are the zeekctl/Zeek ones', () => {
  const c = resolveSinkConfig({});
  assert.equal(c.pullEndpoint, 'tcp://0.0.0.0:27764');
  assert.equal(c.receiveHighWaterMark, 1000);
  assert.deepEqual(c.outputs, ['tsv']);
  assert.equal(c.rotationIntervalSeconds, 3600);
  assert.equal(c.rotationBaseTime, '0:00');
  assert.equal(c.zeekVersion, '8.2');
  assert.equal(c.numberProfile, 'auto');
  assert.equal(c.jsonStringEscapePolicy, 'hex');
  assert.equal(c.jsonTimestamps, 'epoch');
  assert.equal(c.logSuffix, 'log');
  assert.ok(Object.isFrozen(c));
});

test('environment variables are coerced; flags win', () => {
  const c = loadSinkConfig({
    env: {
      ZR_SINK_OUTPUTS: 'tsv, json,stdout',
      ZR_SINK_GZIP_LEVEL: '6',
      ZR_SINK_IPV6: 'true',
      ZR_SINK_LOG_DIR: '/a',
    },
    argv: ['--log-dir', '/b'],
  });
  assert.deepEqual(c.outputs, ['tsv', 'json', 'stdout']);
  assert.equal(c.gzipLevel, 6);
  assert.equal(c.ipv6, true);
  assert.equal(c.logDir, '/b');
});

test('every problem is reported at once, with a stable code', () => {
  assert.throws(
    () =>
      loadSinkConfig({
        env: { ZR_SINK_GZIP_LEVEL: '10', ZR_SINK_OUTPUTS: 'tsv,xml' },
        argv: ['--rotation-base-time=7pm', '--unknown-flag=1'],
      }),
    (err: { code?: string; problems?: string[] }) => {
      assert.equal(err.code, 'ZR_CONFIG_INVALID');
      const text = (err.problems ?? []).join('\n');
      for (const part of [
        'ZR_SINK_GZIP_LEVEL',
        'ZR_SINK_OUTPUTS',
        '--rotation-base-time',
        'unknown flag --unknown-flag',
      ])
        assert.ok(text.includes(part), part);
      return true;
    },
  );
});

test('cross-field rules: duplicate writer, endpoint scheme, tsv and json in the same directory', () => {
  assert.throws(
    () =>
      resolveSinkConfig({
        outputs: ['tsv', 'tsv'],
        pullEndpoint: 'udp://x:1',
        jsonLogDir: 'same',
        logDir: 'same',
      }),
    (err: { problems?: string[] }) => {
      assert.equal(err.problems?.length, 2);
      return true;
    },
  );
  assert.throws(
    () => resolveSinkConfig({ outputs: ['tsv', 'json'], jsonLogDir: 'same', logDir: 'same' }),
    /jsonLogDir/,
  );
});

test('zeekVersion chooses the text profile; numberProfile overrides it; escape policies need 9.0', () => {
  assert.equal(textSettingsOf(resolveSinkConfig({})).numberProfile, 'zeek-8.2');
  assert.equal(textSettingsOf(resolveSinkConfig({})).specialise, true);
  assert.equal(
    textSettingsOf(loadSinkConfig({ env: { ZR_SINK_RENDER_SPECIALISED: 'false' }, argv: [] })).specialise,
    false,
  );
  assert.equal(textSettingsOf(resolveSinkConfig({ zeekVersion: '8.1.1' })).numberProfile, 'zeek-8.0');
  assert.equal(textSettingsOf(resolveSinkConfig({ zeekVersion: '8.1' })).jsonStringEscape, 'none');
  assert.equal(
    textSettingsOf(resolveSinkConfig({ zeekVersion: '8.0', numberProfile: 'zeek-8.2' })).numberProfile,
    'zeek-8.2',
  );
  const nine = textSettingsOf(
    loadSinkConfig({
      env: { ZR_SINK_ZEEK_VERSION: '9.0', ZR_SINK_JSON_STRING_ESCAPE_POLICY: 'pua' },
      argv: ['--json-string-escape-policy-by-path', 'ssh=tsv,http=hex'],
    }),
  );
  assert.equal(nine.jsonStringEscape, 'pua');
  assert.deepEqual(nine.jsonStringEscapeByPath, { ssh: 'tsv', http: 'hex' });
  assert.throws(
    () => resolveSinkConfig({ zeekVersion: '8.2', jsonStringEscapePolicy: 'tsv' }),
    /json_string_escape_policy \(9\.0\+ only\)/,
  );
  assert.throws(() => resolveSinkConfig({ zeekVersion: '7.2' }), /zeek-version/);
  assert.throws(() => resolveSinkConfig({ zeekVersion: '9.0', jsonStringEscapePolicyByPath: 'ssh' }));
});

test('intake settings: native by default, zmtp by env or flag; libzmq defaults for the ZMTP timers; inproc needs native', () => {
  const d = resolveSinkConfig({});
  assert.equal(d.intake, 'native');
  assert.equal(d.maxMessageBytes, 256 * 1024 * 1024);
  assert.deepEqual([d.heartbeatIntervalMs, d.heartbeatTimeoutMs, d.handshakeTimeoutMs], [0, 5000, 30000]);
  assert.equal(loadSinkConfig({ env: { ZR_SINK_INTAKE: 'zmtp' }, argv: [] }).intake, 'zmtp');
  assert.equal(
    loadSinkConfig({ env: { ZR_SINK_INTAKE: 'zmtp' }, argv: ['--intake=native'] }).intake,
    'native',
  );
  assert.throws(
    () => resolveSinkConfig({ intake: 'zmtp', pullEndpoint: 'inproc://logs' }),
    (err: Error & { code?: string }) => err.code === 'ZR_CONFIG_INVALID' && /inproc/.test(err.message),
  );
  assert.equal(resolveSinkConfig({ pullEndpoint: 'inproc://logs' }).intake, 'native');
  assert.throws(() => resolveSinkConfig({ intake: 'libzmq' as 'native' }), /intake/);
});
