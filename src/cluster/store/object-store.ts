import { byNamespaceAndName, type KubeObject } from '../kube-object.js';
import type { Freshness, SourceEvent, StoreChange, StoreStats } from '../reader.js';
import { RESOURCE_KINDS, type ResourceKind } from '../resources.js';
import { INDEXES, type IndexName } from './indexes.js';
import { StringInterner } from './interner.js';
import { projectObject } from './projection.js';

/** Where a kind's feed stands. */
export interface KindStatus {
  /** Listed completely at least once since it was (re)found; reads are served from the store. */
  synced: boolean;
  /** Why the kind cannot be served (never synced, or its CRD vanished): reads fail with it. */
  error: Error | null;
  /** The feed is down: reads are served from the last synced state. */
  stale: boolean;
  staleSince: number | null;
  /** Epoch ms of the last list, event or bookmark. */
  lastSyncAt: number | null;
  watchRestarts: number;
  /**
   * Not held in the store: read per request from the source instead (the service may not
   * list it across namespaces, so it cannot be watched there; RBAC decides per namespace).
   */
  direct: boolean;
}

class KindTable {
  readonly objects = new Map<string, KubeObject>();
  readonly byNamespace = new Map<string, Map<string, KubeObject>>();
  /** Index key → object key, or a Set of them when several objects share the key (most keys have one). */
  readonly indexes = new Map<IndexName, Map<string, string | Set<string>>>(
    (Object.keys(INDEXES) as IndexName[]).map((name) => [name, new Map()]),
  );
  /**
   * Index key → its objects sorted by namespace and name, made on the first sorted read of
   * the key and dropped when an object enters or leaves it. A `pipelines` over a fleet reads
   * thousands of keys (each stage's releases) once per query: sorting them with localeCompare
   * every time was most of the cost of a lookup.
   */
  readonly sorted = new Map<IndexName, Map<string, readonly KubeObject[]>>(
    (Object.keys(INDEXES) as IndexName[]).map((name) => [name, new Map()]),
  );
  readonly status: KindStatus = { synced: false, error: null, stale: false, staleSince: null, lastSyncAt: null, watchRestarts: 0, direct: false };
  /** Resolvers waiting for the kind to be synced or failed. */
  waiters = new Set<() => void>();
}

const NOTHING: readonly KubeObject[] = Object.freeze([]);

/** `namespace/name`, as one flat string (see indexKey): every table and index holds it. */
export const objectKey = (namespace: string | null | undefined, name: string): string => [namespace ?? '', name].join('/');
const keyOf = (o: KubeObject) => objectKey(o.metadata.namespace, o.metadata.name);

/** Same object version: the API server's resourceVersion when there is one, else the content. */
function sameVersion(a: KubeObject, b: KubeObject): boolean {
  // A re-read snapshot hands unchanged files' objects back as the very objects stored: no
  // need to compare them (without resourceVersions that is a JSON encoding of each).
  // Stryker disable next-line ConditionalExpression: equivalent, the comparisons below also find an object equal to itself, only more slowly
  if (a === b) return true;
  if (a.metadata.uid !== b.metadata.uid) return false;
  if (a.metadata.resourceVersion !== undefined || b.metadata.resourceVersion !== undefined) {
    return a.metadata.resourceVersion === b.metadata.resourceVersion;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The process's one store: every object of every kind in RESOURCE_KINDS, projected on entry,
 * with client-go-style indexes. Sources (watch reflectors, snapshot files) write to it; every
 * request reads it through a StoreReader. Objects in it are never mutated: a change replaces
 * the object, so anything derived from an object (a decoded definition) can be cached by
 * object identity and is recomputed exactly when the object changes.
 */
export class ObjectStore {
  private readonly tables = new Map<ResourceKind, KindTable>();
  private readonly listeners = new Set<(event: SourceEvent) => void>();
  private writes = 0;
  /** Repeated strings of stored objects, held once (see StringInterner). */
  private readonly strings = new StringInterner();

  constructor(kinds: readonly ResourceKind[] = RESOURCE_KINDS) {
    for (const kind of kinds) this.tables.set(kind, new KindTable());
  }

  get kinds(): ResourceKind[] {
    return [...this.tables.keys()];
  }

  private table(kind: ResourceKind): KindTable {
    let table = this.tables.get(kind);
    if (!table) {
      table = new KindTable();
      this.tables.set(kind, table);
    }
    return table;
  }

  // ---- reads ----

  /**
   * Bumped by every write: an object change, a feed's health or freshness (stale, synced,
   * time of last sync). An answer computed at one generation is still exact while the
   * generation is the same (the result cache relies on it). Null while some kind is read
   * live from the source (KindStatus.direct): such answers change without the store knowing.
   */
  generation(): number | null {
    for (const table of this.tables.values()) if (table.status.direct) return null;
    return this.writes;
  }

  status(kind: ResourceKind): Readonly<KindStatus> {
    return this.table(kind).status;
  }

  get(kind: ResourceKind, namespace: string | null, name: string): KubeObject | undefined {
    return this.table(kind).objects.get(objectKey(namespace, name));
  }

  /** Every object of a kind in a namespace (null: all), in arrival order. */
  list(kind: ResourceKind, namespace: string | null): KubeObject[] {
    const table = this.table(kind);
    if (namespace === null) return [...table.objects.values()];
    return [...(table.byNamespace.get(namespace)?.values() ?? [])];
  }

  /** The objects an index holds under one key. */
  byIndex(kind: ResourceKind, index: IndexName, key: string): KubeObject[] {
    const table = this.table(kind);
    const entry = table.indexes.get(index)?.get(key);
    if (entry === undefined) return [];
    const keys = typeof entry === 'string' ? [entry] : entry;
    const out: KubeObject[] = [];
    for (const k of keys) {
      const o = table.objects.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /**
   * The objects an index holds under one key, sorted by namespace and name (byNamespaceAndName).
   * Shared between reads until the key's objects change: frozen, callers copy what they keep.
   */
  sortedByIndex(kind: ResourceKind, index: IndexName, key: string): readonly KubeObject[] {
    const sorted = this.table(kind).sorted.get(index)!;
    let objects = sorted.get(key);
    if (!objects) {
      const found = this.byIndex(kind, index, key);
      // Only keys that hold objects are kept: keys asked for and never filled would pile up.
      // Stryker disable next-line ConditionalExpression: equivalent when false, an empty key kept answers the same (only memory differs)
      if (found.length === 0) return NOTHING;
      objects = Object.freeze(found.sort(byNamespaceAndName));
      sorted.set(key, objects);
    }
    return objects;
  }

  count(kind: ResourceKind): number {
    return this.table(kind).objects.size;
  }

  /** Resolves once the kind is synced or has failed; rejects when the signal aborts first. */
  whenSettled(kind: ResourceKind, signal?: AbortSignal): Promise<void> {
    const table = this.table(kind);
    if (table.status.synced || table.status.error || table.status.direct) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        table.waiters.delete(done);
        signal?.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = () => {
        table.waiters.delete(done);
        reject(signal!.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', aborted, { once: true });
      table.waiters.add(done);
    });
  }

  freshness(kinds: readonly ResourceKind[] = this.kinds): Freshness {
    let lastSyncAt: number | null = null;
    let never = false;
    const staleKinds: string[] = [];
    for (const kind of kinds) {
      const s = this.table(kind).status;
      if (s.direct) continue; // read live per request: as fresh as the API server
      if (s.stale) staleKinds.push(kind);
      if (s.lastSyncAt === null) never = true;
      else if (lastSyncAt === null || s.lastSyncAt < lastSyncAt) lastSyncAt = s.lastSyncAt;
    }
    return { stale: staleKinds.length > 0, lastSyncAt: never ? null : lastSyncAt, staleKinds };
  }

  stats(): StoreStats {
    const stats: StoreStats = { objects: {}, watchRestarts: {}, lastSyncAt: {} };
    for (const [kind, table] of this.tables) {
      stats.objects[kind] = table.objects.size;
      stats.watchRestarts[kind] = table.status.watchRestarts;
      stats.lastSyncAt[kind] = table.status.lastSyncAt;
    }
    return stats;
  }

  // ---- writes ----

  subscribe(listener: (event: SourceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  private emit(event: SourceEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the store and the other listeners go on.
      }
    }
  }

  /** An added or modified object (a watch event). Returns the change applied, if any. */
  upsert(kind: ResourceKind, raw: KubeObject, at = Date.now(), projected = false): StoreChange | null {
    const table = this.table(kind);
    this.writes++;
    table.status.lastSyncAt = at;
    // Already projected (a list read page by page, a parsed snapshot file): kept as is, not copied again.
    const object = projected ? raw : projectObject(raw);
    const key = keyOf(object);
    const previous = table.objects.get(key);
    if (previous && sameVersion(previous, object)) return null;
    if (previous) this.unindex(table, key, previous);
    // The stored form is ours alone (projected from the source's parse): its strings can be shared.
    this.strings.internTree(object);
    this.index(table, key, object);
    const change: StoreChange = previous ? { kind, type: 'MODIFIED', object, previous } : { kind, type: 'ADDED', object };
    this.emit({ type: 'change', change });
    return change;
  }

  /** A deleted object (a watch event); only its namespace and name are used. */
  remove(kind: ResourceKind, raw: Pick<KubeObject, 'metadata'>, at = Date.now()): StoreChange | null {
    const table = this.table(kind);
    this.writes++;
    table.status.lastSyncAt = at;
    const key = objectKey(raw.metadata.namespace, raw.metadata.name);
    const previous = table.objects.get(key);
    if (!previous) return null;
    this.unindex(table, key, previous);
    const change: StoreChange = { kind, type: 'DELETED', object: previous, previous };
    this.emit({ type: 'change', change });
    return change;
  }

  /**
   * A complete list of a kind (a list or relist, a re-read snapshot): applied as the watch
   * events that turn the store into exactly that list, so listeners see every change once
   * and unchanged objects are not touched. Marks the kind synced and fresh.
   */
  replace(kind: ResourceKind, objects: readonly KubeObject[], at = Date.now(), projected = false): StoreChange[] {
    const table = this.table(kind);
    const changes: StoreChange[] = [];
    const seen = new Set<string>();
    for (const raw of objects) {
      seen.add(objectKey(raw.metadata.namespace, raw.metadata.name));
      const change = this.upsert(kind, raw, at, projected);
      if (change) changes.push(change);
    }
    for (const [key, object] of [...table.objects]) {
      if (seen.has(key)) continue;
      const change = this.remove(kind, object, at);
      if (change) changes.push(change);
    }
    this.setStatus(kind, { synced: true, error: null, stale: false, staleSince: null, lastSyncAt: at, direct: false });
    return changes;
  }

  /** Marks a kind's time of last contact (a bookmark, a watch (re)start). */
  touch(kind: ResourceKind, at = Date.now()): void {
    this.writes++;
    this.table(kind).status.lastSyncAt = at;
  }

  /** Forgets every object of a kind (its CRD was deleted), emitting their deletions. */
  clear(kind: ResourceKind): void {
    const table = this.table(kind);
    for (const object of [...table.objects.values()]) this.remove(kind, object);
  }

  setStatus(kind: ResourceKind, patch: Partial<KindStatus>): void {
    const table = this.table(kind);
    this.writes++;
    const before = { stale: table.status.stale, error: table.status.error };
    Object.assign(table.status, patch);
    const s = table.status;
    if (s.stale && s.staleSince === null) s.staleSince = Date.now();
    if (!s.stale) s.staleSince = null;
    if (s.synced || s.error || s.direct) for (const wake of [...table.waiters]) wake();
    if (before.stale !== s.stale || before.error !== s.error) {
      this.emit({ type: 'health', kind, stale: s.stale, error: s.error });
    }
  }

  noteWatchRestart(kind: ResourceKind): void {
    this.table(kind).status.watchRestarts++;
  }

  private index(table: KindTable, key: string, object: KubeObject): void {
    table.objects.set(key, object);
    const ns = object.metadata.namespace ?? '';
    let inNs = table.byNamespace.get(ns);
    if (!inNs) table.byNamespace.set(ns, (inNs = new Map()));
    inNs.set(key, object);
    for (const [name, fn] of Object.entries(INDEXES) as [IndexName, (o: KubeObject) => string[]][]) {
      const index = table.indexes.get(name)!;
      const sorted = table.sorted.get(name)!;
      for (const k of fn(object)) {
        sorted.delete(k);
        const entry = index.get(k);
        if (entry === undefined) index.set(k, key);
        else if (typeof entry === 'string') {
          if (entry !== key) index.set(k, new Set([entry, key]));
        } else entry.add(key);
      }
    }
  }

  private unindex(table: KindTable, key: string, object: KubeObject): void {
    table.objects.delete(key);
    const ns = object.metadata.namespace ?? '';
    const inNs = table.byNamespace.get(ns);
    inNs?.delete(key);
    if (inNs?.size === 0) table.byNamespace.delete(ns);
    for (const [name, fn] of Object.entries(INDEXES) as [IndexName, (o: KubeObject) => string[]][]) {
      const index = table.indexes.get(name)!;
      const sorted = table.sorted.get(name)!;
      for (const k of fn(object)) {
        sorted.delete(k);
        const entry = index.get(k);
        if (entry === key) index.delete(k);
        else if (typeof entry === 'object') {
          entry.delete(key);
          if (entry.size === 1) index.set(k, entry.values().next().value!);
        }
      }
    }
  }
}
