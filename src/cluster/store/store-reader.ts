import { byNamespaceAndName, type KubeObject } from '../kube-object.js';
import { matchesRequirements, parseLabelSelector } from '../label-selector.js';
import type { ClusterReader, Freshness, ListOptions, LookupOptions } from '../reader.js';
import type { ResourceKind } from '../resources.js';
import { FLUX_OWNER_PREFIXES, INDEXED_LABELS, indexKey, ownerValue } from './indexes.js';
import type { ObjectStore } from './object-store.js';

/** Reads a kind live from the source, for kinds the store does not hold (see KindStatus.direct). */
export type DirectList = (kind: ResourceKind, namespace: string | null, options: ListOptions) => Promise<KubeObject[]>;

function withLabels(objects: readonly KubeObject[], labels: Readonly<Record<string, string>>): KubeObject[] {
  const wanted = Object.entries(labels);
  return objects.filter((object) => {
    const own = object.metadata.labels;
    for (const [key, value] of wanted) if (own?.[key] !== value) return false;
    return true;
  });
}

/**
 * A request's view of the shared store: every read is an index lookup, costing what its
 * answer costs. A kind that is not synced yet is waited for (bounded by the request's
 * signal); a kind that cannot be served fails with the error its feed met (FORBIDDEN,
 * CRD_NOT_INSTALLED, UNAUTHENTICATED…), exactly as a direct list would have failed.
 */
export class StoreReader implements ClusterReader {
  /** One wait per (request signal, kind): a query's many lookups do not each add an abort listener. */
  private readonly waits = new WeakMap<AbortSignal, Map<ResourceKind, Promise<void>>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly direct?: DirectList,
  ) {}

  /** Throws what a read of this kind must fail with, or says whether to read it live. */
  private async ready(kind: ResourceKind, signal: AbortSignal | undefined): Promise<'store' | 'direct'> {
    signal?.throwIfAborted();
    await this.settled(kind, signal);
    const status = this.store.status(kind);
    if (status.direct && this.direct) return 'direct';
    if (!status.synced && status.error) throw status.error;
    // Stryker disable next-line StringLiteral: the callers only compare with 'direct'; any other value reads the store
    return 'store';
  }

  // Stryker disable all: sharing one wait per (signal, kind) saves abort listeners, nothing else; a wait of its own settles and fails the same way
  private settled(kind: ResourceKind, signal: AbortSignal | undefined): Promise<void> {
    const status = this.store.status(kind);
    if (status.synced || status.error || status.direct || !signal) return this.store.whenSettled(kind, signal);
    let perKind = this.waits.get(signal);
    if (!perKind) this.waits.set(signal, (perKind = new Map()));
    let wait = perKind.get(kind);
    if (!wait) perKind.set(kind, (wait = this.store.whenSettled(kind, signal)));
    return wait;
  }
  // Stryker restore all

  async list(kind: ResourceKind, namespace: string | null, options: ListOptions = {}): Promise<KubeObject[]> {
    if ((await this.ready(kind, options.signal)) === 'direct') return this.direct!(kind, namespace, options);
    const objects = this.store.list(kind, namespace);
    if (!options.labelSelector) return objects;
    const requirements = parseLabelSelector(options.labelSelector);
    return objects.filter((o) => matchesRequirements(o.metadata.labels, requirements));
  }

  async get(kind: ResourceKind, namespace: string | null, name: string, options: LookupOptions = {}): Promise<KubeObject | null> {
    if ((await this.ready(kind, options.signal)) === 'direct') {
      return (await this.direct!(kind, namespace, options)).find((o) => o.metadata.name === name) ?? null;
    }
    return this.store.get(kind, namespace, name) ?? null;
  }

  async listByLabels(
    kind: ResourceKind,
    namespace: string | null,
    labels: Readonly<Record<string, string>>,
    options: LookupOptions = {},
  ): Promise<KubeObject[]> {
    if ((await this.ready(kind, options.signal)) === 'direct') {
      return withLabels(await this.direct!(kind, namespace, options), labels).sort(byNamespaceAndName);
    }
    const indexed = this.indexedCandidates(kind, namespace, labels);
    // An index's candidates come sorted (and the sort kept until they change): filtering keeps the order.
    // Stryker disable next-line ConditionalExpression: equivalent when false, the namespace's objects filtered and sorted are the same answer
    if (indexed) return withLabels(indexed, labels);
    return withLabels(this.store.list(kind, namespace), labels).sort(byNamespaceAndName);
  }

  // Stryker disable BlockStatement,ConditionalExpression: which index answers only changes the cost; listByLabels filters the candidates on every label afterwards, so skipping an index gives the same answer
  /** The narrowest index the labels allow (Flux owner, then the pipeline label), sorted by namespace and name; null: none does. */
  private indexedCandidates(kind: ResourceKind, namespace: string | null, labels: Readonly<Record<string, string>>): readonly KubeObject[] | null {
    for (const prefix of FLUX_OWNER_PREFIXES) {
      // Stryker disable next-line StringLiteral: a label that is never there skips the index: the same answer, see above
      const name = labels[`${prefix}/name`];
      // Stryker disable next-line StringLiteral: as above
      const ownerNs = labels[`${prefix}/namespace`];
      if (name !== undefined && ownerNs !== undefined) {
        return this.store.sortedByIndex(kind, 'owner', indexKey(namespace, ownerValue(prefix, ownerNs, name)));
      }
    }
    for (const key of INDEXED_LABELS) {
      const value = labels[key];
      if (value !== undefined) return this.store.sortedByIndex(kind, 'label', indexKey(namespace, `${key}=${value}`));
    }
    return null;
  }
  // Stryker restore BlockStatement,ConditionalExpression

  async listByInventoryEntry(kind: ResourceKind, namespace: string | null, entryId: string, options: LookupOptions = {}): Promise<KubeObject[]> {
    if ((await this.ready(kind, options.signal)) === 'direct') {
      const all = await this.direct!(kind, namespace, options);
      return all.filter((o) => {
        const entries = (o.status as { inventory?: { entries?: { id?: unknown }[] } } | undefined)?.inventory?.entries;
        return Array.isArray(entries) && entries.some((e) => e?.id === entryId);
      });
    }
    return [...this.store.sortedByIndex(kind, 'inventory', indexKey(namespace, entryId))];
  }

  freshness(kinds?: readonly ResourceKind[]): Freshness {
    return this.store.freshness(kinds);
  }
}
