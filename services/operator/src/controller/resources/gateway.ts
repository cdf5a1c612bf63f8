import type { ZeekVersion } from '@zeek-relay/runtime';
import type { ZeekCluster } from '../../api/v1alpha1/zeekcluster.js';
import { GATEWAY_HEALTH_PORT, type Images } from './images.js';
import {
  childMeta,
  childName,
  componentService,
  selectorLabels,
  serviceHost,
  type K8sObject,
} from './meta.js';
import { env, httpProbes, podMeta, resources, RESTRICTED_CONTAINER } from './pod.js';
import { CLIENT_KEYS, CURVE_KEY, curveMount, curveVolume } from './curve.js';

/** Where the gateway pod sees the hub's CURVE Secret (`spec.hub.curveSecretName`). */
const HUB_CURVE_DIR = '/etc/zeek-relay/hub-curve';

/**
 * WebSocket API v1 gateway Deployment; it joins the hub like a Zeek node. With
 * `spec.hub.curveSecretName` it gets the Secret's `server-public-key`, `client-public-key` and
 * `client-secret-key` as files, and the `ZR_GATEWAY_HUB_CURVE_*_FILE` variables.
 */
export function buildGatewayDeployment(zc: ZeekCluster, images: Images, zv: ZeekVersion): K8sObject {
  const g = zc.spec.gateway;
  const hub = serviceHost(zc, childName(zc, 'hub'));
  const mounts: Record<string, unknown>[] = [];
  const volumes: Record<string, unknown>[] = [];
  const vars: Record<string, string | number> = {
    ZR_GATEWAY_HOST: '0.0.0.0',
    ZR_GATEWAY_PORT: g.port,
    ZR_GATEWAY_HEALTH_HOST: '0.0.0.0',
    ZR_GATEWAY_HEALTH_PORT: GATEWAY_HEALTH_PORT,
    ZR_GATEWAY_ZEEK_VERSION: zv.text,
    // The gateway publishes into the hub's XSUB side and subscribes at its XPUB side.
    ZR_GATEWAY_CONNECT_XPUB_ENDPOINT: `tcp://${hub}:${zc.spec.hub.xsubPort}`,
    ZR_GATEWAY_CONNECT_XSUB_ENDPOINT: `tcp://${hub}:${zc.spec.hub.xpubPort}`,
  };
  if (g.tlsSecretName) {
    mounts.push({ name: 'tls', mountPath: '/etc/zeek-relay/tls', readOnly: true });
    volumes.push({ name: 'tls', secret: { secretName: g.tlsSecretName } });
    vars['ZR_GATEWAY_TLS_CERT_FILE'] = '/etc/zeek-relay/tls/tls.crt';
    vars['ZR_GATEWAY_TLS_KEY_FILE'] = '/etc/zeek-relay/tls/tls.key';
  }
  if (g.tokenSecretName) {
    mounts.push({ name: 'tokens', mountPath: '/etc/zeek-relay/tokens', readOnly: true });
    volumes.push({ name: 'tokens', secret: { secretName: g.tokenSecretName } });
    vars['ZR_GATEWAY_TOKENS_FILE'] = '/etc/zeek-relay/tokens/tokens.json';
  }
  const curve = zc.spec.hub.curveSecretName;
  if (curve) {
    // Only the client side's keys, never the server secret. The client pair is required (the
    // Secret format, ./curve.ts): the operator's hub and sinks admit only `client-public-key`, so
    // the gateway's ephemeral-pair fallback would be rejected by their ZAP check anyway.
    mounts.push(curveMount('hub-curve', HUB_CURVE_DIR));
    volumes.push(curveVolume('hub-curve', curve, CLIENT_KEYS));
    vars['ZR_GATEWAY_HUB_CURVE_SERVER_KEY_FILE'] = `${HUB_CURVE_DIR}/${CURVE_KEY.serverPublic}`;
    vars['ZR_GATEWAY_HUB_CURVE_PUBLIC_KEY_FILE'] = `${HUB_CURVE_DIR}/${CURVE_KEY.clientPublic}`;
    vars['ZR_GATEWAY_HUB_CURVE_SECRET_KEY_FILE'] = `${HUB_CURVE_DIR}/${CURVE_KEY.clientSecret}`;
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(zc, childName(zc, 'gateway'), 'gateway'),
    spec: {
      replicas: g.replicas,
      selector: { matchLabels: selectorLabels(zc, 'gateway') },
      template: {
        metadata: podMeta(zc, 'gateway'),
        spec: {
          enableServiceLinks: false,
          containers: [
            {
              name: 'gateway',
              image: images.gateway,
              imagePullPolicy: images.pullPolicy,
              env: env(vars),
              ports: [
                { name: 'websocket', containerPort: g.port, protocol: 'TCP' },
                { name: 'http', containerPort: GATEWAY_HEALTH_PORT, protocol: 'TCP' },
              ],
              ...httpProbes(GATEWAY_HEALTH_PORT),
              resources: resources(g.resources),
              securityContext: RESTRICTED_CONTAINER,
              ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
            },
          ],
          ...(volumes.length > 0 ? { volumes } : {}),
        },
      },
    },
  };
}

/** Gateway Service of the configured type (ClusterIP by default). */
export function buildGatewayService(zc: ZeekCluster): K8sObject {
  const g = zc.spec.gateway;
  return componentService(zc, 'gateway', 'gateway', g.serviceType, {
    name: 'websocket',
    port: g.port,
    protocol: 'TCP',
  });
}
