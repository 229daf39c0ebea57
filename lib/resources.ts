/**
 * Container resource requests and limits, validated as a set: each value must be a
 * quantity and no request may exceed its limit (the API server rejects that too, but
 * only at apply time).
 */
import * as k8s from './k8s';
import { ValidationError, quantityValue, validateQuantity } from './prop-checks';

/** CPU, memory and ephemeral-storage requests and limits of one container. */
export interface ResourceRequirements {
  /** CPU the scheduler reserves, e.g. `50m`. */
  readonly cpuRequest: string;
  /** CPU ceiling (throttled above it), e.g. `500m`. */
  readonly cpuLimit: string;
  /** Memory the scheduler reserves, e.g. `64Mi`. */
  readonly memoryRequest: string;
  /** Memory ceiling (OOM-killed above it), e.g. `128Mi`. */
  readonly memoryLimit: string;
  /** Scratch disk (logs, emptyDirs) the scheduler reserves, e.g. `64Mi`. */
  readonly ephemeralStorageRequest: string;
  /** Scratch disk ceiling (evicted above it), e.g. `256Mi`. */
  readonly ephemeralStorageLimit: string;
}

// The parser lives in prop-checks.ts (storage sizes need it too); re-exported for existing importers.
export { quantityValue };

/** Validates the set and renders it as the L1 `resources` block. */
export function renderResources(field: string, r: ResourceRequirements): k8s.ResourceRequirements {
  const pairs: Array<[string, string, string]> = [
    ['cpu', r.cpuRequest, r.cpuLimit],
    ['memory', r.memoryRequest, r.memoryLimit],
    ['ephemeralStorage', r.ephemeralStorageRequest, r.ephemeralStorageLimit],
  ];
  for (const [name, request, limit] of pairs) {
    validateQuantity(`${field}.${name}Request`, request);
    validateQuantity(`${field}.${name}Limit`, limit);
    if (quantityValue(request) > quantityValue(limit)) {
      throw new ValidationError(`${field}.${name}Request`, request, `Must not exceed its limit, ${name}Limit (${limit}).`);
    }
  }
  // k8s.Quantity.fromString keeps the quantity a string; a bare string would be dropped
  // by the L1 serializer (it emits `null` for values that are not Quantity instances).
  return {
    requests: {
      'cpu': k8s.Quantity.fromString(r.cpuRequest),
      'memory': k8s.Quantity.fromString(r.memoryRequest),
      'ephemeral-storage': k8s.Quantity.fromString(r.ephemeralStorageRequest),
    },
    limits: {
      'cpu': k8s.Quantity.fromString(r.cpuLimit),
      'memory': k8s.Quantity.fromString(r.memoryLimit),
      'ephemeral-storage': k8s.Quantity.fromString(r.ephemeralStorageLimit),
    },
  };
}
