import type { KubeObject } from '../kube-object.js';
import type { ClusterReader, ClusterSource, Readiness, SourceEvent, StoreStats } from '../reader.js';
import { RESOURCE_KINDS, resourceKindOf, type ResourceKind } from '../resources.js';
import { ObjectStore } from '../store/object-store.js';
import { StoreReader } from '../store/store-reader.js';
import { loadSnapshot } from './load-snapshot.js';

/** Fills a store with a complete set of objects: each kind replaced whole (absent kinds emptied). */
export function fillStore(store: ObjectStore, objects: Iterable<KubeObject>): void {
  const byKind = new Map<ResourceKind, KubeObject[]>(RESOURCE_KINDS.map((k) => [k, []]));
  for (const object of objects) {
    const kind = resourceKindOf(object.apiVersion, object.kind);
    if (!kind) continue; // Namespaces, Services, sources: present in a snapshot, never read.
    byKind.get(kind)!.push(object);
  }
  for (const [kind, list] of byKind) store.replace(kind, list);
}

/** Reads a fixed set of objects through a store of their own (tests build fakes from it). */
export class SnapshotReader extends StoreReader {
  constructor(objects: readonly KubeObject[]) {
    const store = new ObjectStore();
    fillStore(store, objects);
    super(store);
  }
}

/** A snapshot (the demo, a file, a directory) served from the shared store. */
export class SnapshotSource implements ClusterSource {
  private readonly reader: StoreReader;

  private constructor(
    readonly description: string,
    readonly store: ObjectStore,
  ) {
    this.reader = new StoreReader(store);
  }

  static async load(path: string, description: string): Promise<SnapshotSource> {
    const store = new ObjectStore();
    const { objects } = await loadSnapshot(path);
    fillStore(store, objects);
    return new SnapshotSource(description, store);
  }

  readerFor(): ClusterReader {
    return this.reader;
  }

  async checkReady(): Promise<Readiness> {
    return { ready: true, message: `serving ${this.description}` };
  }

  subscribe(listener: (event: SourceEvent) => void): () => void {
    return this.store.subscribe(listener);
  }

  storeStats(): StoreStats {
    return this.store.stats();
  }

  async stop(): Promise<void> {}
}
