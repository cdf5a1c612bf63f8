export {
  GROUP,
  VERSION,
  KIND,
  PLURAL,
  API_VERSION,
  ZeekClusterSpecSchema,
  ZeekClusterStatusSchema,
  type ZeekCluster,
  type ZeekClusterSpec,
  type ZeekClusterStatus,
  type Condition,
} from './api/v1alpha1/zeekcluster.js';
export { buildCrd } from './api/v1alpha1/crd.js';
export { validateSpec } from './api/v1alpha1/validate.js';
export { buildDesired, type Observed, type DesiredState } from './controller/reconcile.js';
export { computeStatus, type Problem } from './controller/status.js';
export {
  planRollout,
  workloadState,
  type RolloutPlan,
  type RolloutStage,
  type WorkloadState,
} from './controller/rollout.js';
export { WorkQueue } from './controller/work-queue.js';
export { Controller, type ControllerDeps, type ControllerOptions } from './controller/controller.js';
export type {
  ControllerClient,
  InformerSource,
  LeaseClient,
  Lease,
  EventBody,
  PodEvent,
  KindInfo,
  WatchedKind,
} from './kube/api.js';
export { LeaderElector, type Clock, type LeaderElectionOptions } from './kube/leader-election.js';
export { ownedFieldsDrift, type Drift, type FieldsV1 } from './controller/owned-fields.js';
export { diagnosePod, type PodProblem } from './controller/pod-problems.js';
export { createOperator, type Operator, type OperatorDeps } from './operator.js';
export {
  loadOperatorConfig,
  OperatorConfigSchema,
  OPERATOR_ENV_PREFIX,
  type OperatorConfig,
} from './config.js';
export { OperatorMetrics, WRITE_VERBS } from './metrics.js';
export {
  OperatorError,
  InvalidSpecError,
  KubeApiError,
  KubeconfigError,
  OPERATOR_ERROR_CODES,
} from './errors.js';
export type { Images } from './controller/resources/images.js';
export type { K8sObject } from './controller/resources/meta.js';
