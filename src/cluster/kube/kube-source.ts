import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../kube-object.js';
import { parseLabelSelector, matchesRequirements } from '../label-selector.js';
import type { ClusterReader, ClusterSource, ListOptions, Readiness, SourceEvent, StoreStats } from '../reader.js';
import { collectionPath, RESOURCE_KINDS, RESOURCES, type ResourceDescriptor, type ResourceKind } from '../resources.js';
import { ObjectStore } from '../store/object-store.js';
import { projectObject } from '../store/projection.js';
import { StoreReader } from '../store/store-reader.js';
import { loadKubeConfig, type KubeConfigChoice } from './kube-config.js';
import { crdNotInstalled, toPipelineApiError } from './kube-errors.js';
import { KubeHttp, type KubeRequestEvent } from './kube-http.js';
import { DEFAULT_TIMING, Reflector, type ReflectorTiming } from './reflector.js';
import { retryingWhenAsked } from './retry-after.js';

export interface KubeSourceConfig extends KubeConfigChoice {
  /** Sees every API request the source makes (tests count them). */
  onRequest?: (method: string, url: string) => void;
  /** Called once per finished API request (list, watch start, get), for metrics. */
  onKubeRequest?: (e: KubeRequestEvent) => void;
  /** How long a watch may be down before /readyz turns 503 (answers say "stale" at once). */
  staleGraceMs?: number;
  /** Reflector timings (tests shorten them). */
  timing?: Partial<ReflectorTiming>;
}

export const DEFAULT_STALE_GRACE_MS = 30_000;
/** How long the API-group discovery answer is trusted, so CRDs installed later are noticed. */
const DISCOVERY_TTL_MS = 30_000;
/** How soon a kind discovery said was missing may be looked up again. */
const DISCOVERY_RETRY_MS = 2_000;

/**
 * The cluster, kept in the process's store by one reflector (list, then watch) per kind.
 * Queries read the store and send no request to the API server; a kind the service may not
 * list across namespaces is read per request and per namespace instead, as RBAC allows.
 */
export class KubeSource implements ClusterSource {
  private discovery: { at: number; groups: Map<string, string[]> } | null = null;
  private discovering: Promise<void> | null = null;
  readonly store = new ObjectStore();
  private readonly http: KubeHttp;
  private readonly reflectors = new Map<ResourceKind, Reflector>();
  private readonly reader: StoreReader;
  private readonly staleGraceMs: number;

  private constructor(
    kc: KubeConfig,
    config: KubeSourceConfig,
    readonly description: string,
  ) {
    this.http = new KubeHttp(kc, { onRequest: config.onRequest, onKubeRequest: config.onKubeRequest });
    this.staleGraceMs = config.staleGraceMs ?? DEFAULT_STALE_GRACE_MS;
    this.reader = new StoreReader(this.store, (kind, namespace, options) => this.directList(kind, namespace, options));
    const timing = { ...DEFAULT_TIMING, ...config.timing };
    for (const kind of RESOURCE_KINDS) {
      const reflector = new Reflector(RESOURCES[kind], this.store, this.http, (r, s) => this.versionOf(r, s), () => (this.discovery = null), timing);
      this.reflectors.set(kind, reflector);
    }
  }

  /** Loads the kubeconfig and starts filling the store; queries wait for each kind's first sync. */
  static create(config: KubeSourceConfig): KubeSource {
    const kc = loadKubeConfig(config);
    const cluster = kc.getCurrentCluster();
    const source = new KubeSource(kc, config, `the cluster at ${cluster?.server} (context "${kc.getCurrentContext()}")`);
    for (const reflector of source.reflectors.values()) reflector.start();
    return source;
  }

  readerFor(): ClusterReader {
    return this.reader;
  }

  subscribe(listener: (event: SourceEvent) => void): () => void {
    return this.store.subscribe(listener);
  }

  storeStats(): StoreStats {
    return this.store.stats();
  }

  /** Completed lists per kind, relists after 410 Gone included. */
  listCount(kind: ResourceKind): number {
    return this.reflectors.get(kind)?.relists ?? 0;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.reflectors.values()].map((r) => r.stop()));
  }

  /**
   * Ready once every kind has synced once (or is known to be absent, or is read per request),
   * and no watch has been down for longer than the grace period.
   */
  async checkReady(): Promise<Readiness> {
    const waiting: string[] = [];
    const stale: string[] = [];
    const now = Date.now();
    for (const kind of RESOURCE_KINDS) {
      const s = this.store.status(kind);
      const settled = s.synced || s.direct || (s.error as { code?: string } | null)?.code === 'CRD_NOT_INSTALLED';
      if (!settled) waiting.push(s.error ? `${kind} (${s.error.message})` : kind);
      else if (s.stale && s.staleSince !== null && now - s.staleSince >= this.staleGraceMs) stale.push(kind);
    }
    if (waiting.length > 0) return { ready: false, message: `waiting for the first sync of ${waiting.join(', ')}` };
    if (stale.length > 0) {
      const { lastSyncAt } = this.store.freshness(stale as ResourceKind[]);
      const since = lastSyncAt === null ? 'never' : new Date(lastSyncAt).toISOString();
      return { ready: false, message: `the watch of ${stale.join(', ')} is down; answers are stale (last synced ${since})` };
    }
    return { ready: true, message: `in sync with ${this.description}` };
  }

  /**
   * The version to read a kind at: the first of ours that the API server serves. Discovery
   * is cached; a kind it says is missing triggers a fresh look (at most every few seconds),
   * so a CRD installed while the service runs is found without a restart.
   */
  private async versionOf(resource: ResourceDescriptor, signal?: AbortSignal): Promise<string> {
    if (resource.group === '' || resource.group === 'apps') return resource.versions[0]!;
    const now = Date.now();
    const stale = !this.discovery || now - this.discovery.at > DISCOVERY_TTL_MS;
    let version = stale ? undefined : this.servedVersion(resource);
    if (version === undefined && (stale || now - this.discovery!.at > DISCOVERY_RETRY_MS)) {
      await this.discover(resource, signal);
      version = this.servedVersion(resource);
    }
    if (version === undefined) throw crdNotInstalled(resource);
    return version;
  }

  private servedVersion(resource: ResourceDescriptor): string | undefined {
    const served = this.discovery?.groups.get(resource.group) ?? [];
    return resource.versions.find((v) => served.includes(v));
  }

  /** One discovery request at a time, shared by every kind that needs it. */
  private discover(resource: ResourceDescriptor, signal?: AbortSignal): Promise<void> {
    this.discovering ??= (async () => {
      try {
        const list = await retryingWhenAsked(
          () => this.http.getJson<{ groups: { name: string; versions: { version: string }[] }[] }>('/apis', {}, { signal, kind: 'discovery', verb: 'get' }),
          signal,
        );
        this.discovery = { at: Date.now(), groups: new Map(list.groups.map((g) => [g.name, g.versions.map((v) => v.version)])) };
      } finally {
        this.discovering = null;
      }
    })();
    return this.discovering.catch((error: unknown) => {
      throw toPipelineApiError(error, resource, null);
    });
  }

  /** A per-request list in one namespace, for kinds the service may not list cluster-wide. */
  private async directList(kind: ResourceKind, namespace: string | null, options: ListOptions): Promise<KubeObject[]> {
    const resource = RESOURCES[kind];
    const { signal, labelSelector } = options;
    const version = await this.versionOf(resource, signal);
    try {
      const list = await retryingWhenAsked(
        () =>
          this.http.getJson<{ items?: Record<string, unknown>[] }>(collectionPath(resource, version, namespace), { labelSelector }, { signal, kind, verb: 'list' }),
        signal,
      );
      const apiVersion = resource.group ? `${resource.group}/${version}` : version;
      const objects = (list.items ?? []).map((item) => projectObject({ ...item, apiVersion, kind } as KubeObject));
      const requirements = parseLabelSelector(labelSelector ?? '');
      return objects.filter((o) => matchesRequirements(o.metadata.labels, requirements));
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) this.discovery = null;
      throw toPipelineApiError(error, resource, namespace);
    }
  }
}
