import type { KubeObject } from './kube-object.js';
import type { ResourceKind } from './resources.js';

export interface ListOptions {
  /** A Kubernetes label selector, e.g. "app=podinfo,tier!=db". */
  labelSelector?: string;
  /** Aborts the call when the request's deadline passes or its client goes away. */
  signal?: AbortSignal;
}

export interface LookupOptions {
  /** Aborts the call when the request's deadline passes or its client goes away. */
  signal?: AbortSignal;
}

/**
 * How current the data behind an answer is. A watch-fed store keeps answering from its
 * last synced state while a watch is down; this says so instead of pretending.
 */
export interface Freshness {
  /** True when at least one kind read is not being kept current (its watch is down). */
  stale: boolean;
  /** The oldest "last heard from the source" time of the kinds considered, epoch ms; null when never synced. */
  lastSyncAt: number | null;
  /** The kinds whose watch is down. */
  staleKinds: string[];
}

/**
 * The one per-request interface every data source implements. Approaches see only this
 * (through the per-request loaders), never a Kubernetes client. Every method names the
 * kind and the namespace (`null`: all namespaces, or a cluster-scoped kind) explicitly,
 * so one decorator can authorize each read by (kind, namespace).
 *
 * Only `list` is required. The lookups are index reads a store-backed source answers
 * without scanning; a reader without them (a test fake, a decorator that wraps `list`
 * only) still works: the loaders then list and filter.
 */
export interface ClusterReader {
  list(kind: ResourceKind, namespace: string | null, options?: ListOptions): Promise<KubeObject[]>;
  /** One object by name; null when there is none. */
  get?(kind: ResourceKind, namespace: string | null, name: string, options?: LookupOptions): Promise<KubeObject | null>;
  /** Objects carrying every one of these labels (exact values), in namespace order then name. */
  listByLabels?(kind: ResourceKind, namespace: string | null, labels: Readonly<Record<string, string>>, options?: LookupOptions): Promise<KubeObject[]>;
  /** Objects (Flux releases) whose `status.inventory` lists this entry id (`<ns>_<name>_<group>_<kind>`). */
  listByInventoryEntry?(kind: ResourceKind, namespace: string | null, entryId: string, options?: LookupOptions): Promise<KubeObject[]>;
  /** How fresh the data of these kinds is (all kinds when omitted). */
  freshness?(kinds?: readonly ResourceKind[]): Freshness;
}

/** Who is asking, as the Kubernetes API server knows them (TokenReview or a trusted proxy). */
export interface Identity {
  user: string;
  groups: string[];
}

/** What a request carries that may choose how the cluster is read. */
export interface RequestScope {
  requestId: string;
  signal?: AbortSignal;
  /**
   * The authenticated caller (`--auth token|proxy`); absent with `--auth none`. Reads are
   * authorized for this identity by the decorator in src/cluster/access/, whatever the source.
   */
  identity?: Identity;
}

export interface Readiness {
  ready: boolean;
  message: string;
}

/** One change the store applied: what a subscription listens for. */
export interface StoreChange {
  kind: ResourceKind;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The object as it is now (for DELETED: as it was last). */
  object: KubeObject;
  /** The object before a MODIFIED or DELETED. */
  previous?: KubeObject;
}

/** What a source tells listeners: a change, or that a kind's feed failed or recovered. */
export type SourceEvent = { type: 'change'; change: StoreChange } | { type: 'health'; kind: ResourceKind; stale: boolean; error: Error | null };

/** Store figures for metrics (contracts item 1): keys are kind names. */
export interface StoreStats {
  objects: Record<string, number>;
  watchRestarts: Record<string, number>;
  /** Epoch ms of the last list, event or bookmark of each kind. */
  lastSyncAt: Record<string, number | null>;
}

/**
 * A configured data source for the whole process. Readers are made per request so that
 * a per-user mode can read with each caller's own identity.
 */
export interface ClusterSource {
  readonly description: string;
  readerFor(scope: RequestScope): ClusterReader;
  checkReady(signal?: AbortSignal): Promise<Readiness>;
  /** Listens for changes and feed health; returns the unsubscribe. Absent: the source never changes. */
  subscribe?(listener: (event: SourceEvent) => void): () => void;
  storeStats?(): StoreStats;
  /** Stops watches and file watchers; the source answers from what it holds afterwards. */
  stop?(): Promise<void>;
}
