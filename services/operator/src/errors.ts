/** Stable error codes of the operator. Callers branch on `code`, never on `instanceof`. */
export const OPERATOR_ERROR_CODES = {
  INVALID_SPEC: 'ZR_OPERATOR_INVALID_SPEC',
  RECONCILE: 'ZR_OPERATOR_RECONCILE',
  API: 'ZR_OPERATOR_API',
  KUBECONFIG: 'ZR_OPERATOR_KUBECONFIG',
} as const;

/** The cluster credentials could not be loaded (missing or unreadable kubeconfig); fatal at start. */
export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
  readonly code = OPERATOR_ERROR_CODES.KUBECONFIG;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The ZeekCluster spec cannot be turned into children; reported as condition reason `InvalidSpec`,
 * or `UnsupportedByZeekVersion` when the spec asks for what the cluster's Zeek version lacks.
 */
export class InvalidSpecError extends Error {
  override name = 'InvalidSpecError';
  readonly code = OPERATOR_ERROR_CODES.INVALID_SPEC;
  constructor(
    readonly problems: readonly string[],
    readonly reason: 'InvalidSpec' | 'UnsupportedByZeekVersion' = 'InvalidSpec',
  ) {
    super(`Invalid ZeekCluster spec: ${problems.join('; ')}`);
  }
}

/** A reconcile step failed (API error while applying); retried with backoff, reported as `ReconcileFailed`. */
export class ReconcileError extends Error {
  override name = 'ReconcileError';
  readonly code = OPERATOR_ERROR_CODES.RECONCILE;
  readonly reason = 'ReconcileFailed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An API request failed; `status` is the HTTP status (0 = no response). */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  readonly code = OPERATOR_ERROR_CODES.API;
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
