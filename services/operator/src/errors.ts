/** Stable error codes of the operator. Callers branch on `code`, never on `instanceof`. */
export const OPERATOR_ERROR_CODES = {
  INVALID_SPEC: 'ZR_OPERATOR_INVALID_SPEC',
  API: 'ZR_OPERATOR_API',
  KUBECONFIG: 'ZR_OPERATOR_KUBECONFIG',
} as const;

/** Union of the operator's error codes. */
export type OperatorErrorCode = (typeof OPERATOR_ERROR_CODES)[keyof typeof OPERATOR_ERROR_CODES];

/** Base class of every error the operator raises. */
export class OperatorError extends Error {
  override name = 'OperatorError';
  constructor(
    readonly code: OperatorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The cluster credentials could not be loaded (missing or unreadable kubeconfig); fatal at start. */
export class KubeconfigError extends OperatorError {
  override name = 'KubeconfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(OPERATOR_ERROR_CODES.KUBECONFIG, message, options);
  }
}

/**
 * The ZeekCluster spec cannot be turned into children; reported as condition reason `InvalidSpec`,
 * or `UnsupportedByZeekVersion` when the spec asks for what the cluster's Zeek version lacks.
 */
export class InvalidSpecError extends OperatorError {
  override name = 'InvalidSpecError';
  constructor(
    readonly problems: readonly string[],
    readonly reason: 'InvalidSpec' | 'UnsupportedByZeekVersion' = 'InvalidSpec',
  ) {
    super(OPERATOR_ERROR_CODES.INVALID_SPEC, `Invalid ZeekCluster spec: ${problems.join('; ')}`);
  }
}

/** An API request failed; `status` is the HTTP status (0 = no response). */
export class KubeApiError extends OperatorError {
  override name = 'KubeApiError';
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(OPERATOR_ERROR_CODES.API, message, options);
  }
}
