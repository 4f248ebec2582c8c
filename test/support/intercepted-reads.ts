import type { ClusterReader, ClusterSource } from '../../src/cluster/reader.js';
import type { ResourceKind } from '../../src/cluster/resources.js';

/**
 * A source whose every read (any reader method but freshness) first goes through `before`,
 * given the kind read: a fake at the reader interface for reads that are slow or fail, or
 * that a test counts. The source's generation and change feed are kept (called on the
 * source itself, so a class instance works too), so caches and per-pipeline parts still run.
 */
export function interceptedReads(source: ClusterSource, before: (kind: ResourceKind) => Promise<void> | void): ClusterSource {
  const intercept = (reader: ClusterReader): ClusterReader =>
    new Proxy(reader, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || property === 'freshness') return value;
        return async (kind: ResourceKind, ...rest: unknown[]) => {
          await before(kind);
          return value.call(target, kind, ...rest);
        };
      },
    });
  return {
    description: source.description,
    readerFor: (scope) => intercept(source.readerFor(scope)),
    checkReady: (signal) => source.checkReady(signal),
    ...(source.generation && { generation: () => source.generation!() }),
    ...(source.subscribe && { subscribe: (listener) => source.subscribe!(listener) }),
  };
}
