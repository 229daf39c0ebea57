/**
 * Object literals for the generated L1 classes under `exactOptionalPropertyTypes`, which
 * `tsc --init` of TypeScript 5.9 turns on: an optional field of `imports/k8s.ts` (say
 * `ObjectMeta.labels?: {...}`) then refuses an explicit `undefined`, which is how the
 * constructs pass "not set" (`labels: props.labels`). `compact` drops the keys whose value
 * is undefined and says so in its type; the YAML is the same (cdk8s drops them too).
 */

/** `T` with every key whose type includes undefined made optional, and undefined removed from it. */
export type Compact<T> =
  { [K in keyof T as undefined extends T[K] ? never : K]: T[K] }
  & { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> };

/** A copy of `value` without the keys whose value is undefined (one level deep). */
export function compact<T extends object>(value: T): Compact<T> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as Compact<T>;
}

/** `T` with every field set: what remains of a props type once its defaults are filled in. */
export type Complete<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };
