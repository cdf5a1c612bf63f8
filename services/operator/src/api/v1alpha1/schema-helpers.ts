import { Type, type TUnsafe } from '@sinclair/typebox';

/**
 * Schema helpers that stay inside the Kubernetes *structural* schema subset (no `anyOf` of
 * literals, no `patternProperties`, no `$ref`), so the TypeBox schema can be emitted as the CRD's
 * openAPIV3Schema verbatim and still give precise TypeScript types.
 */

/** A string restricted to `values` (`enum`), typed as their union. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Record<string, unknown> = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** `map[string]string` (labels, node selectors). */
export function StringMap(options: Record<string, unknown> = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    type: 'object',
    additionalProperties: { type: 'string' },
    ...options,
  });
}

/** A Kubernetes quantity: `2`, `500m`, `1Gi`. */
export function Quantity(options: Record<string, unknown> = {}): TUnsafe<string | number> {
  return Type.Unsafe<string | number>({
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern:
      '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
    ...options,
  });
}

/** Container resource requests/limits, as in core/v1 ResourceRequirements. */
export const Resources = Type.Object(
  {
    requests: Type.Optional(
      Type.Unsafe<Record<string, string | number>>({ type: 'object', additionalProperties: Quantity() }),
    ),
    limits: Type.Optional(
      Type.Unsafe<Record<string, string | number>>({ type: 'object', additionalProperties: Quantity() }),
    ),
  },
  { description: 'CPU/memory requests and limits of the container.' },
);

/** An opaque Kubernetes sub-object (affinity, tolerations) passed through to pod specs unchecked. */
export function Opaque<T = Record<string, unknown>>(description: string): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description });
}

/** A DNS-1123 label naming an object in the cluster's namespace (Secret, ConfigMap). */
export function ObjectName(description: string): ReturnType<typeof Type.String> {
  return Type.String({
    minLength: 1,
    maxLength: 253,
    pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
    description,
  });
}

/** A TCP port number. */
export function Port(def: number, description: string): ReturnType<typeof Type.Integer> {
  return Type.Integer({ minimum: 1, maximum: 65535, default: def, description });
}
