import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDesired } from '../../src/controller/reconcile.js';
import { computeStatus } from '../../src/controller/status.js';
import type { K8sObject } from '../../src/controller/resources/meta.js';
import { cluster, IMAGES, observe } from '../helpers.js';

interface Pod {
  hostNetwork?: boolean;
  containers: {
    command: string[];
    ports?: { name: string; containerPort: number; protocol: string }[];
    securityContext?: unknown;
  }[];
}
const podOf = (o: K8sObject | undefined): Pod =>
  (o as unknown as { spec: { template: { spec: Pod } } }).spec.template.spec;
const layoutWorkers = (objs: readonly K8sObject[]): number =>
  [
    ...(
      (objs.find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> }).data[
        'cluster-layout.zeek'
      ] ?? ''
    ).matchAll(/\["worker-\d+"\]/g),
  ].length;

test('udp mode: plain worker pods on the UDP port behind a UDP Service, Zeek 9.0 udp:: source', () => {
  const zc = cluster({
    image: 'zeek/zeek:9.0.0',
    workers: {
      replicas: 3,
      capture: { mode: 'udp', udp: { port: 6081, encapsulation: 'geneve', serviceType: 'LoadBalancer' } },
    },
  });
  const d = buildDesired(zc, IMAGES, observe());
  const pod = podOf(d.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'demo-worker'));
  assert.equal(pod.hostNetwork, undefined, 'no host network');
  const c = pod.containers[0]!;
  assert.equal(c.securityContext, undefined, 'no NET_RAW / NET_ADMIN');
  assert.match(c.command[2] ?? '', /'-i' 'udp::0\.0\.0\.0:6081:geneve'/);
  assert.deepEqual(c.ports, [{ name: 'mirror', containerPort: 6081, protocol: 'UDP' }]);
  const svc = d.objects.find(
    (o) => o.kind === 'Service' && o.metadata.name === 'demo-worker-udp',
  ) as unknown as {
    spec: { type: string; selector: Record<string, string>; ports: unknown[] };
  };
  assert.equal(svc.spec.type, 'LoadBalancer');
  assert.equal(svc.spec.selector['app.kubernetes.io/component'], 'worker');
  assert.deepEqual(svc.spec.ports, [{ name: 'mirror', port: 6081, targetPort: 'mirror', protocol: 'UDP' }]);
  const policy = (
    d.objects.find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> }
  ).data['zeek-relay.zeek'];
  assert.doesNotMatch(policy ?? '', /AF_Packet/, 'no AF_PACKET settings outside af_packet mode');
  const v6 = buildDesired(cluster({ ...zc.spec, ipFamily: 'IPv6' }), IMAGES, observe());
  const pod6 = podOf(v6.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'demo-worker'));
  assert.match(pod6.containers[0]!.command[2] ?? '', /'udp::\[::\]:6081:geneve'/);
});

test('slots: maxReplicas pre-allocates, replicas lists exactly the running workers, pcap one', () => {
  const objs = (spec: unknown): readonly K8sObject[] =>
    buildDesired(cluster(spec), IMAGES, observe()).objects;
  assert.equal(layoutWorkers(objs({ workers: { replicas: 2 } })), 16);
  assert.equal(layoutWorkers(objs({ workers: { replicas: 2, slots: 'replicas' } })), 2);
  assert.equal(layoutWorkers(objs({ workers: { replicas: 20, maxReplicas: 4 } })), 20);
  const pcap = { mode: 'pcap', pcap: { file: 't.pcap' } };
  assert.equal(layoutWorkers(objs({ workers: { replicas: 1, capture: pcap } })), 1);
});

test('pcap mode: a spec change that does not touch the worker keeps the Job (and its result)', () => {
  const pcap = { mode: 'pcap', pcap: { file: 't.pcap', claimName: 'c' } };
  const name = (spec: unknown): string | undefined =>
    buildDesired(cluster(spec), IMAGES, observe()).objects.find((o) => o.kind === 'Job')?.metadata.name;
  const base = name({ workers: { capture: pcap } });
  assert.equal(name({ workers: { capture: pcap }, logSinks: { replicas: 2 } }), base);
  assert.notEqual(
    name({ workers: { capture: { ...pcap, pcap: { file: 'u.pcap', claimName: 'c' } } } }),
    base,
  );
  assert.equal(name({ workers: { replicas: 0, capture: pcap } }), undefined, 'replicas 0: no analysis');
});

test('pcap mode status: Running while the Job runs, AnalysisComplete once it succeeded, Failed is final', () => {
  const zc = cluster({ workers: { capture: { mode: 'pcap', pcap: { file: 't.pcap' } } } });
  const desired = buildDesired(zc, IMAGES, observe());
  const job = desired.objects.find((o) => o.kind === 'Job')!;
  const withStatus = (status: unknown): K8sObject => ({ ...job, status }) as K8sObject;
  const status = (live: K8sObject | undefined) =>
    computeStatus(zc, observe(live ? [live] : []), desired, undefined, new Date(0));
  const cond = (s: ReturnType<typeof status>, type: string) => s.conditions?.find((c) => c.type === type);

  const waiting = status(undefined);
  assert.equal(waiting.offline?.phase, 'Waiting');
  assert.equal(cond(waiting, 'AnalysisComplete')?.status, 'False');

  const running = status(withStatus({ active: 1, ready: 1 }));
  assert.equal(running.offline?.phase, 'Running');
  assert.equal(running.readyReplicas, 1);
  assert.equal(cond(running, 'WorkersReady')?.status, 'True');

  const done = status(
    withStatus({
      succeeded: 1,
      completionTime: '2026-12-04T20:00:00Z',
      conditions: [{ type: 'Complete', status: 'True' }],
    }),
  );
  assert.deepEqual(done.offline, {
    job: job.metadata.name,
    phase: 'Succeeded',
    completionTime: '2026-12-04T20:00:00Z',
  });
  assert.equal(cond(done, 'AnalysisComplete')?.status, 'True');
  assert.equal(cond(done, 'AnalysisComplete')?.reason, 'Succeeded');

  const failed = status(withStatus({ failed: 1, conditions: [{ type: 'Failed', status: 'True' }] }));
  assert.equal(failed.offline?.phase, 'Failed');
  assert.equal(cond(failed, 'AnalysisComplete')?.reason, 'Failed');
  assert.equal(cond(failed, 'WorkersReady')?.status, 'False');
});
