import type { KubeObject } from '../cluster/kube-object.js';

/**
 * Decoded forms of objects, cached by object identity. Objects in the store are never
 * mutated: a change replaces the object, so a cached result lives exactly as long as the
 * object version it was decoded from, and each definition (a ConfigMap's YAML included) is
 * decoded once per change instead of once per query. Failures are cached too: a broken
 * definition is reported the same way every time without parsing it again.
 *
 * One WeakMap per kind of decoding (`what`), holding the decoded value itself: a fleet's
 * 100k objects each keep one weak entry, not a Map and a wrapper apiece (a few MiB of heap
 * and that much less for the collector to walk after a `pipelines` over all).
 */
class Failure {
  constructor(readonly error: unknown) {}
}

const caches = new Map<string, WeakMap<object, unknown>>();

export function decodeOnce<T>(object: KubeObject, what: string, decode: (object: KubeObject) => T): T {
  let cache = caches.get(what);
  if (!cache) caches.set(what, (cache = new WeakMap()));
  let entry = cache.get(object);
  if (entry === undefined && !cache.has(object)) {
    try {
      entry = decode(object);
    } catch (error) {
      entry = new Failure(error);
    }
    cache.set(object, entry);
  }
  if (entry instanceof Failure) throw entry.error;
  return entry as T;
}
