import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { loadConfig, describeConfig } from '../src/index.js';

const Schema = Type.Object({
  xpubPort: Type.Integer({ minimum: 0, maximum: 65535, default: 27760, description: 'XPUB port' }),
  host: Type.String({ default: '127.0.0.1' }),
  curve: Type.Boolean({ default: false }),
  endpoints: Type.Array(Type.String(), { default: [] }),
  mode: Type.Union([Type.Literal('drop'), Type.Literal('block')], { default: 'drop' }),
});

test('defaults apply when nothing is set, and the result is frozen', () => {
  const c = loadConfig(Schema, { env: {}, argv: [], envPrefix: 'ZR_HUB_' });
  assert.deepEqual(c, { xpubPort: 27760, host: '127.0.0.1', curve: false, endpoints: [], mode: 'drop' });
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.endpoints));
});

test('environment variables are coerced; flags win over them', () => {
  const c = loadConfig(Schema, {
    env: { ZR_HUB_XPUB_PORT: '5556', ZR_HUB_CURVE: 'true', ZR_HUB_ENDPOINTS: 'a, b,,c' },
    argv: ['--xpub-port', '6000', '--mode=block'],
    envPrefix: 'ZR_HUB_',
  });
  assert.equal(c.xpubPort, 6000);
  assert.equal(c.curve, true);
  assert.deepEqual(c.endpoints, ['a', 'b', 'c']);
  assert.equal(c.mode, 'block');
});

test('boolean flags: bare form sets true, --no- form sets false', () => {
  assert.equal(loadConfig(Schema, { argv: ['--curve'], envPrefix: 'X_' }).curve, true);
  assert.equal(
    loadConfig(Schema, { env: { X_CURVE: 'true' }, argv: ['--no-curve'], envPrefix: 'X_' }).curve,
    false,
  );
});

test('every problem is listed at once, naming its source', () => {
  assert.throws(
    () =>
      loadConfig(Schema, {
        env: { ZR_HUB_XPUB_PORT: '70000' },
        argv: ['--mode', 'fast', '--bogus', 'x', 'stray'],
        envPrefix: 'ZR_HUB_',
      }),
    (err: unknown) => {
      const e = err as { code: string; problems: string[] };
      assert.equal(e.code, 'ZR_CONFIG_INVALID');
      assert.ok(
        e.problems.some((p) => p.startsWith('ZR_HUB_XPUB_PORT:')),
        e.problems.join('|'),
      );
      assert.ok(
        e.problems.some((p) => p.startsWith('--mode:')),
        e.problems.join('|'),
      );
      assert.ok(e.problems.includes('unknown flag --bogus'), e.problems.join('|'));
      assert.ok(
        e.problems.includes('unexpected argument "x"') || e.problems.includes('unexpected argument "stray"'),
      );
      return true;
    },
  );
});

test('a flag without its value is an error', () => {
  assert.throws(() => loadConfig(Schema, { argv: ['--host'], envPrefix: 'X_' }), /--host needs a value/);
});

test('describeConfig names flag, variable and default', () => {
  const text = describeConfig(Schema, 'ZR_HUB_');
  assert.match(text, /--xpub-port {2}ZR_HUB_XPUB_PORT \(default: 27760\)/);
});

test('resolveConfig validates an in-code partial config with the same rules and defaults', async () => {
  const { resolveConfig } = await import('../src/index.js');
  const c = resolveConfig(Schema, { xpubPort: 5555, endpoints: ['a', 'b'] }, 'ZR_HUB_');
  assert.deepEqual(c, {
    xpubPort: 5555,
    host: '127.0.0.1',
    curve: false,
    endpoints: ['a', 'b'],
    mode: 'drop',
  });
  assert.ok(Object.isFrozen(c));
  assert.throws(
    () => resolveConfig(Schema, { xpubPort: 70000, mode: 'fast' as 'drop' }, 'ZR_HUB_'),
    (err: unknown) => {
      const e = err as { code: string; problems: string[] };
      assert.equal(e.code, 'ZR_CONFIG_INVALID');
      assert.equal(e.problems.length, 2, e.problems.join('|'));
      assert.ok(e.problems.some((p) => p.startsWith('--xpub-port:')));
      assert.ok(e.problems.includes('--mode: must be one of "drop", "block"'), e.problems.join('|'));
      return true;
    },
  );
});
