// deploy/samples and deploy/kind agree with each other and with the CRD the operator generates:
// every sample parses, names a ZeekCluster of the served version, and the kind cluster's capture
// nodes carry the label and taint the production-like sample selects and tolerates.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from '../helpers/k8s/index.js';
import { at } from './helm.js';

const root = repoRoot();
const samplesDir = join(root, 'deploy', 'samples');
const docsOf = (file: string): Record<string, unknown>[] =>
  parseAllDocuments(readFileSync(join(samplesDir, file), 'utf8')).map((d) => {
    assert.equal(d.errors.length, 0, `${file}: ${d.errors[0]?.message ?? ''}`);
    return d.toJS() as Record<string, unknown>;
  });
const zeekCluster = (file: string): Record<string, unknown> => {
  const zcs = docsOf(file).filter((d) => d.kind === 'ZeekCluster');
  assert.equal(zcs.length, 1, `${file} holds one ZeekCluster`);
  return zcs[0] as Record<string, unknown>;
};

describe('deploy/samples', () => {
  const crd = parse(
    readFileSync(join(root, 'deploy', 'crds', 'zeekclusters.zeek-relay.io.yaml'), 'utf8'),
  ) as unknown;
  const served = (at(crd, 'spec.versions') as { name: string; served: boolean }[])
    .filter((v) => v.served)
    .map((v) => `zeek-relay.io/${v.name}`);

  it('are the four documented examples, each one ZeekCluster of a served version', () => {
    assert.deepEqual(readdirSync(samplesDir).sort(), [
      'minimal.yaml',
      'offline-pcap.yaml',
      'production-like.yaml',
      'udp-mirror-hpa.yaml',
    ]);
    for (const file of readdirSync(samplesDir)) {
      const zc = zeekCluster(file);
      assert.ok(
        served.includes(String(zc.apiVersion)),
        `${file}: ${String(zc.apiVersion)} not served (${served.join(', ')})`,
      );
      assert.equal(at(zc, 'metadata.namespace'), undefined, `${file} must not pin a namespace`);
    }
  });

  it('offline-pcap reads a file without host networking; production-like uses every secured feature', () => {
    const pcap = zeekCluster('offline-pcap.yaml');
    assert.equal(at(pcap, 'spec.workers.capture.mode'), 'pcap');
    assert.equal(at(pcap, 'spec.workers.capture.hostNetwork'), false);
    assert.ok(at(pcap, 'spec.workers.capture.pcap.claimName'));
    const udp = zeekCluster('udp-mirror-hpa.yaml');
    assert.equal(at(udp, 'spec.workers.capture.mode'), 'udp');
    const hpa = docsOf('udp-mirror-hpa.yaml').find((d) => d.kind === 'HorizontalPodAutoscaler');
    assert.deepEqual(at(hpa, 'spec.scaleTargetRef'), {
      apiVersion: String(udp.apiVersion),
      kind: 'ZeekCluster',
      name: at(udp, 'metadata.name'),
    });
    const prod = zeekCluster('production-like.yaml');
    for (const path of [
      'spec.hub.curveSecretName',
      'spec.gateway.tlsSecretName',
      'spec.gateway.tokenSecretName',
      'spec.logSinks.otlpEndpoint',
    ]) {
      assert.ok(at(prod, path), `production-like lacks ${path}`);
    }
    const site = at(prod, 'spec.siteScripts.0') as { configMapName: string; key: string };
    const cm = docsOf('production-like.yaml').find(
      (d) => d.kind === 'ConfigMap' && at(d, 'metadata.name') === site.configMapName,
    );
    assert.ok(
      cm && typeof at(cm, 'data') === 'object' && site.key in (at(cm, 'data') as object),
      'site script ConfigMap ships with the sample',
    );
  });

  it('deploy/kind capture nodes match the production-like nodeSelector and toleration', () => {
    const kind = parse(readFileSync(join(root, 'deploy', 'kind', 'cluster.yaml'), 'utf8')) as {
      apiVersion: string;
      nodes: { role: string; labels?: Record<string, string>; kubeadmConfigPatches?: string[] }[];
    };
    assert.equal(kind.apiVersion, 'kind.x-k8s.io/v1alpha4');
    const prod = zeekCluster('production-like.yaml');
    const selector = at(prod, 'spec.workers.nodeSelector') as Record<string, string>;
    const toleration = at(prod, 'spec.workers.tolerations.0') as { key: string; effect: string };
    const workers = kind.nodes.filter((n) => n.role === 'worker');
    assert.ok(workers.length >= 2);
    for (const w of workers) {
      for (const [k, v] of Object.entries(selector)) assert.equal(w.labels?.[k], v);
      const patch = parse(w.kubeadmConfigPatches?.[0] ?? '') as {
        nodeRegistration: { taints: { key: string; effect: string }[] };
      };
      assert.deepEqual(patch.nodeRegistration.taints, [{ key: toleration.key, effect: toleration.effect }]);
    }
  });
});
