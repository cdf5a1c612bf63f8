import type { ZeekVersion } from '@zeek-relay/runtime';
import type { ZeekCluster } from '../../api/v1alpha1/zeekcluster.js';
import { HUB_HEALTH_PORT, type Images } from './images.js';
import { childMeta, childName, selectorLabels, type K8sObject } from './meta.js';
import { env, httpProbes, podMeta, resources, RESTRICTED_CONTAINER } from './pod.js';
import { CURVE_KEY, CURVE_SERVER_DIR, curveMount, curveVolume, SERVER_KEYS } from './curve.js';

/**
 * The XPUB/XSUB hub: a single-replica Deployment (Recreate: two hubs would split the cluster).
 * With `spec.hub.curveSecretName` it gets the Secret's `server-secret-key` and, as its ZAP
 * allow-list, `client-public-key` as files (the hub refuses CURVE without an allow-list).
 */
export function buildHubDeployment(zc: ZeekCluster, images: Images, zv: ZeekVersion): K8sObject {
  const h = zc.spec.hub;
  const curve = h.curveSecretName;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(zc, childName(zc, 'hub'), 'hub'),
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(zc, 'hub') },
      template: {
        metadata: podMeta(zc, 'hub'),
        spec: {
          enableServiceLinks: false,
          containers: [
            {
              name: 'hub',
              image: images.hub,
              imagePullPolicy: images.pullPolicy,
              env: env({
                ZR_HUB_XPUB_PORT: h.xpubPort,
                ZR_HUB_XSUB_PORT: h.xsubPort,
                ZR_HUB_SEND_HIGH_WATER_MARK: h.sendHighWaterMark,
                ZR_HUB_RECEIVE_HIGH_WATER_MARK: h.receiveHighWaterMark,
                ZR_HUB_HTTP_PORT: HUB_HEALTH_PORT,
                ZR_HUB_ZEEK_VERSION: zv.text,
                // Only when set: an operator upgrade must not restart every hub for a default.
                ...(h.forwarding !== undefined ? { ZR_HUB_FORWARDING: h.forwarding } : {}),
                ...(h.slowSubscriber !== undefined ? { ZR_HUB_SLOW_SUBSCRIBER: h.slowSubscriber } : {}),
                ...(h.curveSealThreads !== undefined
                  ? { ZR_HUB_CURVE_SEAL_THREADS: h.curveSealThreads }
                  : {}),
                ...(curve
                  ? {
                      ZR_HUB_CURVE_SERVER_SECRET_KEY_FILE: `${CURVE_SERVER_DIR}/${CURVE_KEY.serverSecret}`,
                      ZR_HUB_CURVE_CLIENT_PUBLIC_KEY_FILES: `${CURVE_SERVER_DIR}/${CURVE_KEY.clientPublic}`,
                    }
                  : {}),
              }),
              ports: [
                { name: 'xpub', containerPort: h.xpubPort, protocol: 'TCP' },
                { name: 'xsub', containerPort: h.xsubPort, protocol: 'TCP' },
                { name: 'http', containerPort: HUB_HEALTH_PORT, protocol: 'TCP' },
              ],
              ...httpProbes(HUB_HEALTH_PORT),
              resources: resources(h.resources),
              securityContext: RESTRICTED_CONTAINER,
              ...(curve ? { volumeMounts: [curveMount('curve', CURVE_SERVER_DIR)] } : {}),
            },
          ],
          ...(curve ? { volumes: [curveVolume('curve', curve, SERVER_KEYS)] } : {}),
        },
      },
    },
  };
}

/** ClusterIP Service in front of the hub; Zeek nodes and the gateway connect to it by DNS name. */
export function buildHubService(zc: ZeekCluster): K8sObject {
  const h = zc.spec.hub;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(zc, childName(zc, 'hub'), 'hub'),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(zc, 'hub'),
      ports: [
        { name: 'xpub', port: h.xpubPort, targetPort: 'xpub', protocol: 'TCP' },
        { name: 'xsub', port: h.xsubPort, targetPort: 'xsub', protocol: 'TCP' },
        { name: 'http', port: HUB_HEALTH_PORT, targetPort: 'http', protocol: 'TCP' },
      ],
    },
  };
}
