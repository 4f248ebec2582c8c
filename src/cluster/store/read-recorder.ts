import type { KubeObject } from '../kube-object.js';
import type { ClusterReader, Freshness, ListOptions, LookupOptions, StoreChange } from '../reader.js';
import type { ResourceKind } from '../resources.js';

type Read =
  | { type: 'list'; kind: ResourceKind; namespace: string | null }
  | { type: 'get'; kind: ResourceKind; namespace: string | null; name: string }
  | { type: 'labels'; kind: ResourceKind; namespace: string | null; labels: Readonly<Record<string, string>> }
  | { type: 'inventory'; kind: ResourceKind; namespace: string | null; entryId: string };

function inventoryHas(object: KubeObject, entryId: string): boolean {
  const entries = (object.status as { inventory?: { entries?: { id?: unknown }[] } } | undefined)?.inventory?.entries;
  return Array.isArray(entries) && entries.some((e) => e?.id === entryId);
}

function answers(read: Read, object: KubeObject): boolean {
  if (read.namespace !== null && (object.metadata.namespace ?? '') !== read.namespace) return false;
  switch (read.type) {
    case 'list':
      return true;
    case 'get':
      return object.metadata.name === read.name;
    case 'labels':
      return Object.entries(read.labels).every(([k, v]) => object.metadata.labels?.[k] === v);
    case 'inventory':
      return inventoryHas(object, read.entryId);
  }
}

/**
 * Records what one evaluation read, so a live query knows which changes concern it: a
 * change matters when the object, before or after it, would have been part of the answer
 * to one of those reads (an object that appears, changes, or leaves a read's answer).
 * A decorator at the reader interface: whatever wraps the reader below (authorization)
 * still applies to every read.
 */
export class ReadRecorder {
  private readonly reads: Read[] = [];
  /** Told of every read as it is recorded (before it is answered). */
  onRead?: (kind: ResourceKind, namespace: string | null) => void;
  private readonly byKind = new Map<ResourceKind, Read[]>();

  private record(read: Read): void {
    this.reads.push(read);
    this.onRead?.(read.kind, read.namespace);
    // Stryker disable next-line ArrayDeclaration: equivalent, a stray string in a kind's list answers no change (answers() sees its namespace undefined, not null, and returns false)
    const list = this.byKind.get(read.kind) ?? [];
    list.push(read);
    this.byKind.set(read.kind, list);
  }

  /** Whether the evaluation that used this recorder read something this change touches. */
  concerns(change: StoreChange): boolean {
    const reads = this.byKind.get(change.kind);
    if (!reads) return false;
    return reads.some((r) => answers(r, change.object) || (change.previous !== undefined && answers(r, change.previous)));
  }

  /** How many reads were recorded. */
  get size(): number {
    return this.reads.length;
  }

  /** Every (kind, namespace) the evaluation read in; namespace null for a read over all namespaces. */
  scopes(): { kind: ResourceKind; namespace: string | null }[] {
    const seen = new Map<string, { kind: ResourceKind; namespace: string | null }>();
    for (const read of this.reads) seen.set(`${read.kind}\0${read.namespace ?? '\0'}`, { kind: read.kind, namespace: read.namespace });
    return [...seen.values()];
  }

  /** Every kind the evaluation read. */
  kinds(): Set<ResourceKind> {
    return new Set(this.byKind.keys());
  }

  wrap(inner: ClusterReader): ClusterReader {
    const listAndFilter = async (kind: ResourceKind, namespace: string | null, keep: (o: KubeObject) => boolean, signal?: AbortSignal) =>
      (await inner.list(kind, namespace, { signal })).filter(keep);
    return {
      list: (kind, namespace, options?: ListOptions) => {
        this.record({ type: 'list', kind, namespace });
        return inner.list(kind, namespace, options);
      },
      get: async (kind, namespace, name, options?: LookupOptions) => {
        this.record({ type: 'get', kind, namespace, name });
        if (inner.get) return inner.get(kind, namespace, name, options);
        return (await listAndFilter(kind, namespace, (o) => o.metadata.name === name, options?.signal))[0] ?? null;
      },
      listByLabels: (kind, namespace, labels, options?: LookupOptions) => {
        this.record({ type: 'labels', kind, namespace, labels });
        if (inner.listByLabels) return inner.listByLabels(kind, namespace, labels, options);
        return listAndFilter(kind, namespace, (o) => Object.entries(labels).every(([k, v]) => o.metadata.labels?.[k] === v), options?.signal);
      },
      listByInventoryEntry: (kind, namespace, entryId, options?: LookupOptions) => {
        this.record({ type: 'inventory', kind, namespace, entryId });
        if (inner.listByInventoryEntry) return inner.listByInventoryEntry(kind, namespace, entryId, options);
        return listAndFilter(kind, namespace, (o) => inventoryHas(o, entryId), options?.signal);
      },
      freshness: (kinds?: readonly ResourceKind[]): Freshness =>
        inner.freshness?.(kinds) ?? { stale: false, lastSyncAt: null, staleKinds: [] },
    };
  }
}
