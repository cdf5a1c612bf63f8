import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { loadConfig, ZeekVersionSchema } from '../src/config.js';
import { DEFAULT_ZEEK_VERSION, ZEEK_LINES, parseZeekVersion } from '../src/zeek-version.js';
import { ConfigError } from '../src/errors.js';

test('parseZeekVersion reads a release line or a full version of a supported line', () => {
  assert.deepEqual(parseZeekVersion('8.2'), { major: 8, minor: 2, line: '8.2', text: '8.2' });
  assert.deepEqual(parseZeekVersion(' 8.0.10 '), {
    major: 8,
    minor: 0,
    patch: 10,
    line: '8.0',
    text: '8.0.10',
  });
  assert.equal(parseZeekVersion('9.0.0')?.line, '9.0');
});

test('parseZeekVersion refuses unknown lines and malformed text', () => {
  for (const bad of ['7.2', '8.3', '10.0', '8', '8.2.', 'v8.2', '8.2.2-dev', '']) {
    assert.equal(parseZeekVersion(bad), undefined, bad);
  }
});

test('the default is the 8.2 line and every line is accepted by the schema', () => {
  assert.equal(DEFAULT_ZEEK_VERSION, '8.2');
  const schema = Type.Object({ zeekVersion: ZeekVersionSchema });
  assert.equal(loadConfig(schema, { envPrefix: 'ZR_T_', env: {} }).zeekVersion, '8.2');
  for (const line of ZEEK_LINES) {
    const env = { ZR_T_ZEEK_VERSION: `${line}.1` };
    assert.equal(loadConfig(schema, { envPrefix: 'ZR_T_', env }).zeekVersion, `${line}.1`);
  }
  assert.throws(
    () => loadConfig(schema, { envPrefix: 'ZR_T_', env: { ZR_T_ZEEK_VERSION: '7.0' } }),
    (e: unknown) => e instanceof ConfigError,
  );
});
