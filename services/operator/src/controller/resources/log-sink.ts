import type { ZeekVersion } from '@zeek-relay/runtime';
import type { ZeekCluster } from '../../api/v1alpha1/zeekcluster.js';
import { LOG_SINK_HEALTH_PORT, LOG_SINK_PULL_PORT, type Images } from './images.js';
import { childMeta, childName, labels, selectorLabels, type K8sObject } from './meta.js';
import { env, httpProbes, podMeta, resources, RESTRICTED_CONTAINER } from './pod.js';
import { CURVE_KEY, CURVE_SERVER_DIR, curveMount, curveVolume, SERVER_KEYS } from './curve.js';

const LOG_DIR = '/var/log/zeek';

/** `15m` → 900 (the schema guarantees `<digits><s|m|h>`). */
export function intervalSeconds(interval: string): number {
  const n = Number.parseInt(interval, 10);
  return interval.endsWith('h') ? n * 3600 : interval.endsWith('m') ? n * 60 : n;
}

/**
 * Log sinks: a StatefulSet so every pod keeps a stable DNS name (`<svc>-<i>.<svc>`), which Zeek's
 * `connect_log_endpoints` lists; Parallel pod management because sinks are independent. With
 * `spec.hub.curveSecretName` a sink binds its PULL socket as a CURVE server, as a Zeek logger
 * does: it gets `server-secret-key` and `client-public-key` (its allow-list) as files.
 */
export function buildLogSinkStatefulSet(zc: ZeekCluster, images: Images, zv: ZeekVersion): K8sObject {
  const s = zc.spec.logSinks;
  const name = childName(zc, 'log-sink');
  const curve = zc.spec.hub.curveSecretName;
  const volumes: Record<string, unknown>[] = s.storage.persistent ? [] : [{ name: 'logs', emptyDir: {} }];
  const mounts: Record<string, unknown>[] = [{ name: 'logs', mountPath: LOG_DIR }];
  if (curve) {
    volumes.push(curveVolume('curve', curve, SERVER_KEYS));
    mounts.push(curveMount('curve', CURVE_SERVER_DIR));
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(zc, name, 'log-sink'),
    spec: {
      serviceName: name,
      replicas: s.replicas,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selectorLabels(zc, 'log-sink') },
      template: {
        metadata: podMeta(zc, 'log-sink'),
        spec: {
          enableServiceLinks: false,
          containers: [
            {
              name: 'log-sink',
              image: images.logSink,
              imagePullPolicy: images.pullPolicy,
              env: env({
                ZR_SINK_PULL_ENDPOINT: `tcp://0.0.0.0:${LOG_SINK_PULL_PORT}`,
                ZR_SINK_HTTP_PORT: LOG_SINK_HEALTH_PORT,
                ZR_SINK_LOG_DIR: LOG_DIR,
                ZR_SINK_ZEEK_VERSION: zv.text,
                ZR_SINK_OUTPUTS: [...s.formats, ...(s.otlpEndpoint ? ['otlp'] : [])].join(','),
                ZR_SINK_ROTATION_INTERVAL_SECONDS: intervalSeconds(s.rotation.interval),
                ...(s.rotation.maxSizeMiB
                  ? { ZR_SINK_ROTATION_MAX_BYTES: s.rotation.maxSizeMiB * 1024 * 1024 }
                  : {}),
                ...(s.otlpEndpoint ? { ZR_SINK_OTLP_URL: s.otlpEndpoint } : {}),
                ...(s.intake !== undefined ? { ZR_SINK_INTAKE: s.intake } : {}),
                ...(curve
                  ? {
                      ZR_SINK_CURVE_SERVER_SECRET_KEY_FILE: `${CURVE_SERVER_DIR}/${CURVE_KEY.serverSecret}`,
                      ZR_SINK_CURVE_CLIENT_PUBLIC_KEY_FILES: `${CURVE_SERVER_DIR}/${CURVE_KEY.clientPublic}`,
                    }
                  : {}),
              }),
              ports: [
                { name: 'pull', containerPort: LOG_SINK_PULL_PORT, protocol: 'TCP' },
                { name: 'http', containerPort: LOG_SINK_HEALTH_PORT, protocol: 'TCP' },
              ],
              ...httpProbes(LOG_SINK_HEALTH_PORT),
              resources: resources(s.resources),
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: mounts,
            },
          ],
          ...(volumes.length > 0 ? { volumes } : {}),
        },
      },
      ...(s.storage.persistent
        ? {
            volumeClaimTemplates: [
              {
                apiVersion: 'v1',
                kind: 'PersistentVolumeClaim',
                metadata: { name: 'logs', labels: labels(zc, 'log-sink') },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: String(s.storage.size) } },
                  ...(s.storage.storageClassName ? { storageClassName: s.storage.storageClassName } : {}),
                },
              },
            ],
          }
        : {}),
    },
  };
}

/** Headless Service giving each sink pod its stable PULL endpoint. */
export function buildLogSinkService(zc: ZeekCluster): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(zc, childName(zc, 'log-sink'), 'log-sink'),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(zc, 'log-sink'),
      ports: [{ name: 'pull', port: LOG_SINK_PULL_PORT, targetPort: 'pull', protocol: 'TCP' }],
    },
  };
}
