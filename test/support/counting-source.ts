import type { ClusterReader, ClusterSource, RequestScope } from '../../src/cluster/reader.js';
import type { ResourceKind } from '../../src/cluster/resources.js';

/** Wraps a source at the reader interface and counts list calls per (kind, namespace). */
export class CountingSource implements ClusterSource {
  readonly calls = new Map<string, number>();

  constructor(private readonly inner: ClusterSource) {}

  get description() {
    return this.inner.description;
  }

  readerFor(scope: RequestScope): ClusterReader {
    const reader = this.inner.readerFor(scope);
    return {
      list: (kind: ResourceKind, namespace, options) => {
        const key = `${kind} ${namespace ?? '*'}`;
        this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
        return reader.list(kind, namespace, options);
      },
    };
  }

  checkReady(signal?: AbortSignal) {
    return this.inner.checkReady(signal);
  }

  reset(): void {
    this.calls.clear();
  }
}
