import type { ClusterReader } from '../reader.js';
import type { ReadAuthorizer } from './access-policy.js';

/**
 * The reader a request gets when callers are authenticated: whatever the source's
 * reader is (a list-per-request Kubernetes reader, a snapshot, a shared store), every
 * read is authorized for the caller first. One namespace: `authorize`, and nothing is
 * read when it is refused. All namespaces: read, then keep what `visible` allows.
 * A new read method on ClusterReader gets the same two lines here; a method the inner
 * reader lacks stays absent, so the loaders list (authorized) and filter instead.
 */
export function authorizingReader(inner: ClusterReader, authorizer: ReadAuthorizer): ClusterReader {
  const scoped = async <T extends { metadata: { namespace?: string } }>(
    kind: Parameters<ReadAuthorizer['authorize']>[0],
    namespace: string | null,
    read: () => Promise<T[]>,
  ): Promise<T[]> => {
    if (namespace !== null) {
      await authorizer.authorize(kind, namespace);
      return read();
    }
    return authorizer.visible(kind, await read());
  };
  const { get, listByLabels, listByInventoryEntry, freshness } = inner;
  return {
    list: (kind, namespace, options) => scoped(kind, namespace, () => inner.list(kind, namespace, options)),
    ...(get && {
      get: async (kind, namespace, name, options) => {
        const found = await scoped(kind, namespace, async () => {
          const object = await get.call(inner, kind, namespace, name, options);
          return object ? [object] : [];
        });
        return found[0] ?? null;
      },
    }),
    ...(listByLabels && {
      listByLabels: (kind, namespace, labels, options) => scoped(kind, namespace, () => listByLabels.call(inner, kind, namespace, labels, options)),
    }),
    ...(listByInventoryEntry && {
      listByInventoryEntry: (kind, namespace, entryId, options) =>
        scoped(kind, namespace, () => listByInventoryEntry.call(inner, kind, namespace, entryId, options)),
    }),
    ...(freshness && { freshness: (kinds) => freshness.call(inner, kinds) }),
  } satisfies ClusterReader;
}
