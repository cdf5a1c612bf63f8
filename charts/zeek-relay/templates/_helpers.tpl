{{/*
Names and labels. Every define carries the chart prefix (STYLE §3); labels follow
https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/ and are the
same set the operator stamps on what it creates.
*/}}

{{/* Chart name, overridable with nameOverride. */}}
{{- define "zeek-relay.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource name prefix: fullnameOverride, else the release name (with the chart name when it lacks it). */}}
{{- define "zeek-relay.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of the operator's objects. */}}
{{- define "zeek-relay.operator.fullname" -}}
{{- printf "%s-operator" (include "zeek-relay.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* chart label value: name-version. */}}
{{- define "zeek-relay.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Standard labels. Call with (dict "ctx" $ "component" "operator").
*/}}
{{- define "zeek-relay.labels" -}}
helm.sh/chart: {{ include "zeek-relay.chart" .ctx }}
{{ include "zeek-relay.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: zeek-relay
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels (immutable in Deployments: never add to these). Same argument as zeek-relay.labels. */}}
{{- define "zeek-relay.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zeek-relay.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{/* metadata.annotations block body from commonAnnotations merged with extra ones. Call with (dict "ctx" $ "extra" $map). */}}
{{- define "zeek-relay.annotations" -}}
{{- $all := merge (deepCopy (default (dict) .extra)) (deepCopy .ctx.Values.commonAnnotations) -}}
{{- with $all }}
{{- toYaml . }}
{{- end }}
{{- end -}}

{{/* Image reference from {repository, tag, digest}; tag defaults to appVersion, digest wins. Call with (dict "ctx" $ "image" $img). */}}
{{- define "zeek-relay.image" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (toString (default .ctx.Chart.AppVersion .image.tag)) -}}
{{- end -}}
{{- end -}}

{{/* ServiceAccount the operator runs as. */}}
{{- define "zeek-relay.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create -}}
{{- default (include "zeek-relay.operator.fullname" .) .Values.operator.serviceAccount.name -}}
{{- else -}}
{{- required "operator.serviceAccount.name is required when operator.serviceAccount.create is false" .Values.operator.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Lease used for leader election. */}}
{{- define "zeek-relay.operator.leaseName" -}}
{{- default (include "zeek-relay.operator.fullname" .) .Values.operator.leaderElection.leaseName -}}
{{- end -}}

{{/* Namespace the helm test connects to. */}}
{{- define "zeek-relay.tests.namespace" -}}
{{- default .Release.Namespace .Values.tests.namespace -}}
{{- end -}}
