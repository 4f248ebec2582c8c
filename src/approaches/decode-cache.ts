import type { KubeObject } from '../cluster/kube-object.js';

/**
 * Decoded forms of objects, cached by object identity. Objects in the store are never
 * mutated: a change replaces the object, so a cached result lives exactly as long as the
 * object version it was decoded from, and each definition (a ConfigMap's YAML included) is
 * decoded once per change instead of once per query. Failures are cached too: a broken
 * definition is reported the same way every time without parsing it again.
 */
const cache = new WeakMap<object, Map<string, { value: unknown } | { error: unknown }>>();

export function decodeOnce<T>(object: KubeObject, what: string, decode: (object: KubeObject) => T): T {
  let entries = cache.get(object);
  if (!entries) cache.set(object, (entries = new Map()));
  let entry = entries.get(what);
  if (!entry) {
    try {
      entry = { value: decode(object) };
    } catch (error) {
      entry = { error };
    }
    entries.set(what, entry);
  }
  if ('error' in entry) throw entry.error;
  return entry.value as T;
}
