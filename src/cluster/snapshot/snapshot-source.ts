import type { KubeObject } from '../kube-object.js';
import { parseLabelSelector, matchesRequirements } from '../label-selector.js';
import type { ClusterReader, ClusterSource, ListOptions, Readiness } from '../reader.js';
import { resourceKindOf, type ResourceKind } from '../resources.js';
import { loadSnapshot } from './load-snapshot.js';

/** Reads a fixed set of objects, held in memory and indexed by kind. */
export class SnapshotReader implements ClusterReader {
  private readonly byKind = new Map<ResourceKind, KubeObject[]>();

  constructor(objects: readonly KubeObject[]) {
    for (const object of objects) {
      const kind = resourceKindOf(object.apiVersion, object.kind);
      if (!kind) continue; // Namespaces, Services, sources: present in a snapshot, never read.
      const list = this.byKind.get(kind) ?? [];
      list.push(object);
      this.byKind.set(kind, list);
    }
  }

  async list(kind: ResourceKind, namespace: string | null, options: ListOptions = {}): Promise<KubeObject[]> {
    options.signal?.throwIfAborted();
    const requirements = parseLabelSelector(options.labelSelector ?? '');
    return (this.byKind.get(kind) ?? []).filter(
      (o) =>
        (namespace === null || o.metadata.namespace === namespace) &&
        matchesRequirements(o.metadata.labels, requirements),
    );
  }
}

export class SnapshotSource implements ClusterSource {
  private constructor(
    readonly description: string,
    private readonly reader: SnapshotReader,
  ) {}

  static async load(path: string, description: string): Promise<SnapshotSource> {
    const { objects } = await loadSnapshot(path);
    return new SnapshotSource(description, new SnapshotReader(objects));
  }

  readerFor(): ClusterReader {
    return this.reader;
  }

  async checkReady(): Promise<Readiness> {
    return { ready: true, message: `serving ${this.description}` };
  }
}
