import type { ClusterReader } from '../reader.js';
import type { ReadAuthorizer } from './access-policy.js';

/**
 * The reader a request gets when callers are authenticated: whatever the source's
 * reader is (a list-per-request Kubernetes reader, a snapshot, a shared store), every
 * read is authorized for the caller first. One namespace: `authorize`, and nothing is
 * read when it is refused. All namespaces: read, then keep what `visible` allows.
 * A new read method on ClusterReader gets the same two lines here.
 */
export function authorizingReader(inner: ClusterReader, authorizer: ReadAuthorizer): ClusterReader {
  return {
    async list(kind, namespace, options) {
      if (namespace !== null) {
        await authorizer.authorize(kind, namespace);
        return inner.list(kind, namespace, options);
      }
      return authorizer.visible(kind, await inner.list(kind, null, options));
    },
  };
}
