import type { KubeObject } from './kube-object.js';
import type { ResourceKind } from './resources.js';

export interface ListOptions {
  /** A Kubernetes label selector, e.g. "app=podinfo,tier!=db". */
  labelSelector?: string;
  /** Aborts the call when the request's deadline passes or its client goes away. */
  signal?: AbortSignal;
}

/**
 * The one interface every data source implements. Approaches see only this (through
 * the per-request loaders), never a Kubernetes client. `namespace: null` lists
 * across all namespaces.
 */
export interface ClusterReader {
  list(kind: ResourceKind, namespace: string | null, options?: ListOptions): Promise<KubeObject[]>;
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

/**
 * A configured data source for the whole process. Readers are made per request so that
 * a later per-user mode can read with each caller's own credentials.
 */
export interface ClusterSource {
  readonly description: string;
  readerFor(scope: RequestScope): ClusterReader;
  checkReady(signal?: AbortSignal): Promise<Readiness>;
}
