{{/*
Cross-field checks that values.schema.json cannot express. NOTES.txt includes this helper, so
every install, upgrade and template run fails with all messages at once (STYLE §2.3).
*/}}
{{- define "zeek-relay.validateValues" -}}
{{- $errors := list -}}
{{- $v := .Values -}}
{{- if and (gt (int $v.operator.replicaCount) 1) (not $v.operator.leaderElection.enabled) -}}
{{- $errors = append $errors "operator.replicaCount > 1 needs operator.leaderElection.enabled=true: two active operators would fight over every ZeekCluster" -}}
{{- end -}}
{{- if and (not $v.operator.serviceAccount.create) (not $v.operator.serviceAccount.name) -}}
{{- $errors = append $errors "operator.serviceAccount.name must name an existing ServiceAccount when operator.serviceAccount.create=false" -}}
{{- end -}}
{{- range $kind, $m := dict "serviceMonitor" $v.metrics.serviceMonitor "podMonitor" $v.metrics.podMonitor -}}
{{- if and $m.enabled (gt (include "zeek-relay.durationSeconds" $m.scrapeTimeout | float64) (include "zeek-relay.durationSeconds" $m.interval | float64)) -}}
{{- $errors = append $errors (printf "metrics.%s.scrapeTimeout (%s) must not exceed metrics.%s.interval (%s)" $kind $m.scrapeTimeout $kind $m.interval) -}}
{{- end -}}
{{- end -}}
{{- if and $v.tests.caSecret (not $v.tests.tls) -}}
{{- $errors = append $errors "tests.caSecret is set but tests.tls=false: the CA is only used for wss://" -}}
{{- end -}}
{{- if and $v.sample.enabled $v.operator.watchNamespace (ne $v.operator.watchNamespace .Release.Namespace) -}}
{{- $errors = append $errors (printf "sample.enabled creates the sample in %s, which operator.watchNamespace=%s does not watch" .Release.Namespace $v.operator.watchNamespace) -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\n\nVALUES VALIDATION:\n- %s" (join "\n- " $errors)) -}}
{{- end -}}
{{- end -}}

{{/* A Prometheus duration (e.g. 30s, 1m, 500ms) in seconds, as a string. */}}
{{- define "zeek-relay.durationSeconds" -}}
{{- $d := toString . -}}
{{- if hasSuffix "ms" $d -}}{{ divf (trimSuffix "ms" $d | float64) 1000 }}
{{- else if hasSuffix "s" $d -}}{{ trimSuffix "s" $d | float64 }}
{{- else if hasSuffix "m" $d -}}{{ mulf (trimSuffix "m" $d | float64) 60 }}
{{- else if hasSuffix "h" $d -}}{{ mulf (trimSuffix "h" $d | float64) 3600 }}
{{- else -}}{{ fail (printf "invalid duration %q" $d) }}
{{- end -}}
{{- end -}}
