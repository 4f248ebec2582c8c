import DataLoader from 'dataloader';
import { PipelineApiError } from '../errors.js';
import type { KubeObject } from './kube-object.js';
import type { ClusterReader } from './reader.js';
import { RESOURCE_KINDS, type ResourceKind } from './resources.js';

const ALL_NAMESPACES = '';

/**
 * Per-request, per-kind list loaders keyed by namespace. However many stages, refs and
 * releases a query touches, the reader is asked at most once per (kind, namespace);
 * when one batch asks for all namespaces too, that single list serves every key.
 * Filtering (labels, names) happens in memory, on purpose: a server-side selector per
 * pipeline would turn one list per namespace into one per pipeline.
 */
export class ClusterLoaders {
  private readonly loaders: Map<ResourceKind, DataLoader<string, KubeObject[]>>;

  constructor(
    private readonly reader: ClusterReader,
    private readonly signal?: AbortSignal,
  ) {
    this.loaders = new Map(RESOURCE_KINDS.map((kind) => [kind, this.loaderFor(kind)]));
  }

  list(kind: ResourceKind, namespace: string | null): Promise<KubeObject[]> {
    return this.loaders.get(kind)!.load(namespace ?? ALL_NAMESPACES);
  }

  private loaderFor(kind: ResourceKind): DataLoader<string, KubeObject[]> {
    return new DataLoader<string, KubeObject[]>(async (namespaces) => {
      const signal = this.signal;
      if (namespaces.includes(ALL_NAMESPACES)) {
        try {
          const all = await this.reader.list(kind, null, { signal });
          return namespaces.map((ns) => (ns === ALL_NAMESPACES ? all : all.filter((o) => o.metadata.namespace === ns)));
        } catch (error) {
          return namespaces.map(() => this.asError(error, kind));
        }
      }
      const settled = await Promise.allSettled(namespaces.map((ns) => this.reader.list(kind, ns, { signal })));
      return settled.map((r) => (r.status === 'fulfilled' ? r.value : this.asError(r.reason, kind)));
    });
  }

  private asError(reason: unknown, kind: ResourceKind): Error {
    if (this.signal?.aborted && !(reason instanceof PipelineApiError)) {
      return new PipelineApiError('DEADLINE_EXCEEDED', `Reading ${kind} objects was cancelled: the query's deadline passed or its client went away.`, { kind }, { cause: reason });
    }
    return reason instanceof Error ? reason : new Error(String(reason));
  }
}
