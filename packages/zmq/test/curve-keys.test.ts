/** CURVE key parsing and the ZAP reply logic (RFC 27, zeromq-wire.md §8). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { curveKeyPair } from 'zeromq';
import { decodeCurveKey, resolveCurve, zapReply } from '../src/index.js';

// RFC 32 test vector: these 8 bytes encode to "HelloWorld".
const RFC32_BYTES = [0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b];

describe('CURVE keys', () => {
  it('decodes Z85 keys to 32 bytes (RFC 32 vector repeated)', () => {
    const key = 'HelloWorld'.repeat(4);
    assert.deepEqual([...decodeCurveKey(key, 'k')], Array.from({ length: 4 }, () => RFC32_BYTES).flat());
  });

  it('rejects malformed keys with ZR_ZMQ_CURVE_KEY_INVALID', () => {
    for (const bad of ['', 'short', 'HelloWorld'.repeat(4).slice(1) + ',', 'HelloWorld'.repeat(4) + 'x']) {
      assert.throws(() => decodeCurveKey(bad, 'k'), { code: 'ZR_ZMQ_CURVE_KEY_INVALID' });
    }
  });

  it('needs both halves: server secret and at least one client key', () => {
    const kp = curveKeyPair();
    assert.equal(resolveCurve({}), undefined);
    assert.throws(() => resolveCurve({ curveServerSecretKey: kp.secretKey }), {
      code: 'ZR_ZMQ_CURVE_CONFIG_INVALID',
    });
    assert.throws(() => resolveCurve({ curveClientPublicKeys: [kp.publicKey] }), {
      code: 'ZR_ZMQ_CURVE_CONFIG_INVALID',
    });
    assert.throws(
      () =>
        resolveCurve({
          curveServerSecretKeyFile: '/nonexistent/zr-key',
          curveClientPublicKeys: [kp.publicKey],
        }),
      {
        code: 'ZR_ZMQ_CURVE_KEY_INVALID',
      },
    );
    const ok = resolveCurve({ curveServerSecretKey: kp.secretKey, curveClientPublicKeys: [kp.publicKey] });
    assert.equal(ok?.clientPublicKeys.length, 1);
  });

  it("reports through the caller's error factory (a service keeps its own codes)", () => {
    const kp = curveKeyPair();
    const seen: string[] = [];
    const factory = (code: string, message: string) => {
      seen.push(code);
      return Object.assign(new Error(message), { code: code.replace('ZR_ZMQ_', 'ZR_X_') });
    };
    assert.throws(() => resolveCurve({ curveServerSecretKey: kp.secretKey }, factory), {
      code: 'ZR_X_CURVE_CONFIG_INVALID',
    });
    assert.throws(
      () => resolveCurve({ curveServerSecretKey: 'x', curveClientPublicKeys: [kp.publicKey] }, factory),
      { code: 'ZR_X_CURVE_KEY_INVALID' },
    );
    assert.deepEqual(seen, ['ZR_ZMQ_CURVE_CONFIG_INVALID', 'ZR_ZMQ_CURVE_KEY_INVALID']);
  });
});

describe('ZAP replies', () => {
  const allowed = decodeCurveKey('HelloWorld'.repeat(4), 'k');
  const request = (mechanism: string, key: Uint8Array) =>
    ['1.0', 'req-7', '', '127.0.0.1', '', mechanism].map((s) => Buffer.from(s)).concat([Buffer.from(key)]);

  it('answers 200 for an allowed CURVE key, echoing the request id', () => {
    const { frames, ok } = zapReply(request('CURVE', allowed), [allowed]);
    assert.equal(ok, true);
    assert.deepEqual(
      frames.map((f) => f.toString()),
      ['1.0', 'req-7', '200', 'OK', '0', ''],
    );
  });

  it('answers 400 for other keys, other mechanisms, short or wrong-version requests', () => {
    const other = new Uint8Array(32).fill(7);
    for (const req of [
      request('CURVE', other),
      request('PLAIN', allowed),
      request('CURVE', allowed).slice(0, 6),
      [Buffer.from('2.0'), ...request('CURVE', allowed).slice(1)],
    ]) {
      const { frames, ok } = zapReply(req, [allowed]);
      assert.equal(ok, false);
      assert.equal(frames[2]!.toString(), '400');
    }
  });
});
