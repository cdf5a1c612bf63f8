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
# Pods (listed, never watched): readiness and rollouts come from the workloads' status; only when a
# component has made no progress for 15 s are its cluster's pods listed to say what is wrong (image
# pull, crash loop, a missing Secret/ConfigMap key) in the ZeekCluster status.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list"]
# No secrets: pods mount the CURVE, TLS and token Secrets by name; the operator never reads them.
# A pod stuck creating its containers (a missing Secret volume) says why only in its Events: read
# (core/v1, Warning Events of Pods) for such pods only.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["list"]
# The operator's own Events go through events.k8s.io/v1, created once per distinct note (never patched).
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}
