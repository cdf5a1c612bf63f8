{{/*
The operator's rights: exactly the kinds it watches or applies (services/operator/src/controller/),
and only the verbs it uses. Server-side apply is a PATCH; garbage collection through owner
references does the deleting of children, so `delete` is there only for children the operator
removes itself (an optional NetworkPolicy or PDB switched off, sinks scaled down).
*/}}
{{- define "zeek-relay.operator.rules" -}}
- apiGroups: ["zeek-relay.io"]
  resources: ["zeekclusters"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["zeek-relay.io"]
  resources: ["zeekclusters/status"]
  verbs: ["get", "patch", "update"]
# Children carry ownerReferences with blockOwnerDeletion; the OwnerReferencesPermissionEnforcement
# admission plugin requires update on the owner's finalizers for that.
- apiGroups: ["zeek-relay.io"]
  resources: ["zeekclusters/finalizers"]
  verbs: ["update"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
# pcap mode reads the trace once with a Job.
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["services", "configmaps"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
# No pods: readiness and rollouts come from the workloads' status (ready/updated replicas).
# No secrets: pods mount the CURVE, TLS and token Secrets by name; the operator never reads them.
# Events go through events.k8s.io/v1 only, created once per distinct note (never patched).
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}
