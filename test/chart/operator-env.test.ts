// The chart configures the operator only through environment variables. Every variable it sets must
// be one the operator reads (services/operator/src/config.ts), and the operator's own config loader
// must accept the rendered values of every ci/ variant: a misspelt or stale name fails here, not in a
// crash-looping pod.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPERATOR_ENV_PREFIX, OperatorConfigSchema, loadOperatorConfig } from '@zeek-relay/operator';
import { toEnvName } from '@zeek-relay/runtime';
import { CI_VARIANTS, at, find, render, variantFlags } from './helm.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

const known = new Set(
  Object.keys(OperatorConfigSchema.properties).map((k) => OPERATOR_ENV_PREFIX + toEnvName(k)),
);

describe('operator environment rendered by the chart', () => {
  for (const variant of ['(defaults)', ...CI_VARIANTS]) {
    it(`is accepted by loadOperatorConfig: ${variant}`, async () => {
      const docs = await render(variant === '(defaults)' ? [] : variantFlags(variant));
      const vars = at(find(docs, 'Deployment'), 'spec.template.spec.containers.0.env') as EnvVar[];
      const env: Record<string, string> = {};
      for (const v of vars) {
        if (!v.name.startsWith(OPERATOR_ENV_PREFIX)) continue; // extraEnv such as NODE_OPTIONS
        assert.ok(known.has(v.name), `${v.name} is not an operator setting`);
        // Downward-API values stand in with what the kubelet would put there.
        const field = v.valueFrom?.fieldRef?.fieldPath;
        env[v.name] =
          field === undefined ? (v.value ?? '') : field === 'metadata.namespace' ? 'zeek' : 'zr-operator-0';
      }
      const config = loadOperatorConfig({ argv: [], env });
      assert.equal(config.leaseNamespace, 'zeek');
      assert.equal(config.hubImage, env.ZR_OPERATOR_HUB_IMAGE);
      assert.equal(config.gatewayImage, env.ZR_OPERATOR_GATEWAY_IMAGE);
      assert.equal(config.logSinkImage, env.ZR_OPERATOR_LOG_SINK_IMAGE);
      assert.equal(config.zeekImage, env.ZR_OPERATOR_ZEEK_IMAGE);
      assert.match(config.zeekImage, /^zeek\/zeek(:|@)/);
      const probePort = at(find(docs, 'Deployment'), 'spec.template.spec.containers.0.ports.0.containerPort');
      assert.equal(config.healthPort, probePort, 'probes and /metrics hit the port the operator listens on');
      const grace = at(
        find(docs, 'Deployment'),
        'spec.template.spec.terminationGracePeriodSeconds',
      ) as number;
      assert.ok(config.shutdownGraceMs < grace * 1000, 'the operator finishes before the kubelet kills it');
    });
  }
});
