{{/*
The operator's environment (services/operator/src/config.ts reads it; prefix ZR_OPERATOR_).
The data-plane images are passed here so skaffold's setValueTemplates reach the workloads the
operator creates (STYLE §1 "Who deploys what").
*/}}
{{- define "zeek-relay.operator.env" -}}
- name: ZR_OPERATOR_LOG_LEVEL
  value: {{ .Values.operator.logLevel | quote }}
- name: ZR_OPERATOR_WATCH_NAMESPACE
  value: {{ .Values.operator.watchNamespace | quote }}
- name: ZR_OPERATOR_LEADER_ELECTION
  value: {{ .Values.operator.leaderElection.enabled | quote }}
- name: ZR_OPERATOR_LEASE_NAME
  value: {{ include "zeek-relay.operator.leaseName" . | quote }}
- name: ZR_OPERATOR_LEASE_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: ZR_OPERATOR_IDENTITY
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: ZR_OPERATOR_HEALTH_PORT
  value: {{ .Values.operator.httpPort | quote }}
- name: ZR_OPERATOR_SHUTDOWN_GRACE_MS
  value: {{ mul (sub .Values.operator.terminationGracePeriodSeconds 5 | max 1) 1000 | quote }}
- name: ZR_OPERATOR_HUB_IMAGE
  value: {{ include "zeek-relay.image" (dict "ctx" $ "image" .Values.images.hub) | quote }}
- name: ZR_OPERATOR_GATEWAY_IMAGE
  value: {{ include "zeek-relay.image" (dict "ctx" $ "image" .Values.images.gateway) | quote }}
- name: ZR_OPERATOR_LOG_SINK_IMAGE
  value: {{ include "zeek-relay.image" (dict "ctx" $ "image" .Values.images.logSink) | quote }}
- name: ZR_OPERATOR_ZEEK_IMAGE
  value: {{ include "zeek-relay.image" (dict "ctx" $ "image" .Values.images.zeek) | quote }}
{{- with .Values.images.zeek.version }}
- name: ZR_OPERATOR_ZEEK_VERSION
  value: {{ . | quote }}
{{- end }}
- name: ZR_OPERATOR_IMAGE_PULL_POLICY
  value: {{ .Values.images.pullPolicy | quote }}
{{- end -}}
