import DataLoader from 'dataloader';
import { PipelineApiError } from '../errors.js';
import { byNamespaceAndName, type KubeObject } from './kube-object.js';
import type { ClusterReader, Freshness } from './reader.js';
import { RESOURCE_KINDS, type ResourceKind } from './resources.js';

const ALL_NAMESPACES = '';

/**
 * The per-request read interface the approaches use. Every read names the kind and the
 * namespace (null: all namespaces). Each distinct read is made once per request (memoised
 * here); a store-backed reader answers from indexes. A reader that only lists (a test
 * fake, a decorator that wraps `list` only) still works: lookups then list the namespace
 * once per (kind, namespace), batched, and filter in memory.
 */
export class ClusterLoaders {
  private readonly loaders: Map<ResourceKind, DataLoader<string, KubeObject[]>>;
  private readonly memo = new Map<string, Promise<unknown>>();
  /**
   * Whether a read failed or was refused (deadline, client gone). Some answers turn a failed
   * read into data without an error (a health of UNKNOWN, "could not be read"), so an answer
   * read through loaders that failed is not to be kept and served again.
   */
  failed = false;

  constructor(
    private readonly reader: ClusterReader,
    readonly signal?: AbortSignal,
    /**
     * Epoch ms after which reads are refused. The signal's timer only fires when the event
     * loop gets a turn, and a long chain of resolved promises never gives it one, so the
     * clock is checked as well.
     */
    private readonly deadlineAt?: number,
    /** Told of the first failed or refused read (the request counts its services' failures). */
    private readonly onFailure?: () => void,
  ) {
    this.loaders = new Map(RESOURCE_KINDS.map((kind) => [kind, this.loaderFor(kind)]));
  }

  list(kind: ResourceKind, namespace: string | null): Promise<KubeObject[]> {
    try {
      this.checkDeadline(`Reading ${kind} objects`, kind);
    } catch (error) {
      this.noteFailure();
      return Promise.reject(error);
    }
    return this.loaders.get(kind)!.load(namespace ?? ALL_NAMESPACES);
  }

  /** One object by name, or null. */
  get(kind: ResourceKind, namespace: string | null, name: string): Promise<KubeObject | null> {
    return this.once(`get ${kind} ${namespace ?? '*'} ${name}`, kind, async () => {
      if (this.reader.get) return this.reader.get(kind, namespace, name, { signal: this.signal });
      return (await this.list(kind, namespace)).find((o) => o.metadata.name === name) ?? null;
    });
  }

  /** Objects carrying all these labels, sorted by namespace and name. */
  listByLabels(kind: ResourceKind, namespace: string | null, labels: Readonly<Record<string, string>>): Promise<KubeObject[]> {
    const key = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');
    return this.once(`labels ${kind} ${namespace ?? '*'} ${key}`, kind, async () => {
      if (this.reader.listByLabels) return this.reader.listByLabels(kind, namespace, labels, { signal: this.signal });
      const all = await this.list(kind, namespace);
      return all
        .filter((o) => Object.entries(labels).every(([k, v]) => o.metadata.labels?.[k] === v))
        .sort(byNamespaceAndName);
    });
  }

  /** Flux releases whose inventory lists this entry id. */
  listByInventoryEntry(kind: ResourceKind, namespace: string | null, entryId: string): Promise<KubeObject[]> {
    return this.once(`inventory ${kind} ${namespace ?? '*'} ${entryId}`, kind, async () => {
      if (this.reader.listByInventoryEntry) return this.reader.listByInventoryEntry(kind, namespace, entryId, { signal: this.signal });
      const all = await this.list(kind, namespace);
      return all.filter((o) => {
        const entries = (o.status as { inventory?: { entries?: { id?: unknown }[] } } | undefined)?.inventory?.entries;
        return Array.isArray(entries) && entries.some((e) => e?.id === entryId);
      });
    });
  }

  /** How current the data of these kinds is; a reader that cannot tell is taken as live. */
  freshness(kinds?: readonly ResourceKind[]): Freshness {
    return this.reader.freshness?.(kinds) ?? { stale: false, lastSyncAt: null, staleKinds: [] };
  }

  /** Throws DEADLINE_EXCEEDED once the request's deadline has passed or its client went away. */
  checkDeadline(what: string, kind?: ResourceKind): void {
    // Stryker disable next-line ConditionalExpression: without a deadline, Date.now() > undefined is false anyway
    if (this.signal?.aborted || (this.deadlineAt !== undefined && Date.now() > this.deadlineAt)) {
      throw new PipelineApiError('DEADLINE_EXCEEDED', `${what} was cancelled: the query's deadline passed or its client went away.`, kind ? { kind } : undefined, { cause: this.signal?.reason });
    }
  }

  private once<T>(key: string, kind: ResourceKind, read: () => Promise<T>): Promise<T> {
    let promise = this.memo.get(key) as Promise<T> | undefined;
    if (!promise) {
      promise = (async () => {
        try {
          this.checkDeadline(`Reading ${kind} objects`, kind);
          return await read();
        } catch (error) {
          throw this.asError(error, kind);
        }
      })();
      this.memo.set(key, promise);
    }
    return promise;
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

  private noteFailure(): void {
    // Stryker disable next-line ConditionalExpression: equivalent, telling the request again only sets its flag again; only the work differs
    if (!this.failed) this.onFailure?.();
    this.failed = true;
  }

  private asError(reason: unknown, kind: ResourceKind): Error {
    this.noteFailure();
    if (this.signal?.aborted && !(reason instanceof PipelineApiError)) {
      return new PipelineApiError('DEADLINE_EXCEEDED', `Reading ${kind} objects was cancelled: the query's deadline passed or its client went away.`, { kind }, { cause: reason });
    }
    return reason instanceof Error ? reason : new Error(String(reason));
  }
}
