import {
  ApiException,
  ApisApi,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Health,
  KubeConfig,
  Observable,
  type ObservableMiddleware,
  type ConfigurationOptions,
} from '@kubernetes/client-node';
import type { KubeObject } from '../kube-object.js';
import type { ClusterReader, ClusterSource, ListOptions, Readiness } from '../reader.js';
import { RESOURCES, type ResourceDescriptor, type ResourceKind } from '../resources.js';
import { loadKubeConfig, type KubeConfigChoice } from './kube-config.js';
import { crdNotInstalled, toPipelineApiError } from './kube-errors.js';
import { retryingWhenAsked } from './retry-after.js';

export interface KubeSourceConfig extends KubeConfigChoice {
  /** Sees every API request the reader makes (tests count them). */
  onRequest?: (method: string, url: string) => void;
}

/** How long the API-group discovery answer is trusted, so CRDs installed later are noticed. */
const DISCOVERY_TTL_MS = 30_000;
/** How soon a kind discovery said was missing may be looked up again. */
const DISCOVERY_RETRY_MS = 2_000;

/** Reads from a Kubernetes API server with @kubernetes/client-node. */
export class KubeSource implements ClusterSource {
  private discovery: { at: number; groups: Map<string, string[]> } | null = null;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly apis: ApisApi;
  private readonly health: Health;

  private constructor(
    private readonly kc: KubeConfig,
    private readonly config: KubeSourceConfig,
    readonly description: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.apis = kc.makeApiClient(ApisApi);
    this.health = new Health(kc);
  }

  static create(config: KubeSourceConfig): KubeSource {
    const kc = loadKubeConfig(config);
    const cluster = kc.getCurrentCluster();
    return new KubeSource(kc, config, `the cluster at ${cluster?.server} (context "${kc.getCurrentContext()}")`);
  }

  readerFor(): ClusterReader {
    return { list: (kind, namespace, options) => this.list(kind, namespace, options) };
  }

  async checkReady(signal?: AbortSignal): Promise<Readiness> {
    try {
      const ok = await this.health.readyz({ signal });
      return ok ? { ready: true, message: 'the Kubernetes API server is ready' } : { ready: false, message: 'the Kubernetes API server is not ready' };
    } catch {
      return { ready: false, message: 'the Kubernetes API server cannot be reached' };
    }
  }

  private requestOptions(signal: AbortSignal | undefined): ConfigurationOptions {
    const onRequest = this.config.onRequest;
    // Per-call middleware reaches client-node's observable layer as given (its object-parameter
    // APIs do not wrap it the way its static configuration does), so it must answer with
    // client-node's own Observable; a plain promise fails every request.
    const middleware: ObservableMiddleware = {
      pre: (context) => {
        if (signal) context.setSignal(signal as never);
        onRequest?.(context.getHttpMethod(), context.getUrl());
        return new Observable(Promise.resolve(context));
      },
      post: (context) => new Observable(Promise.resolve(context)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
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

  private async discover(resource: ResourceDescriptor, signal?: AbortSignal): Promise<void> {
    try {
      const list = await retryingWhenAsked(() => this.apis.getAPIVersions(undefined, this.requestOptions(signal)), signal);
      this.discovery = { at: Date.now(), groups: new Map(list.groups.map((g) => [g.name, g.versions.map((v) => v.version)])) };
    } catch (error) {
      throw toPipelineApiError(error, resource, null);
    }
  }

  private async list(kind: ResourceKind, namespace: string | null, options: ListOptions = {}): Promise<KubeObject[]> {
    const resource = RESOURCES[kind];
    const { signal, labelSelector } = options;
    const version = await this.versionOf(resource, signal);
    const requestOptions = this.requestOptions(signal);
    try {
      const list = await retryingWhenAsked(() => this.request(resource, version, namespace, labelSelector, requestOptions), signal);
      return list.items.map((item) => ({
        ...(item as object),
        // Typed lists omit apiVersion/kind on items; our code reads them.
        apiVersion: resource.group ? `${resource.group}/${version}` : version,
        kind: resource.kind,
      })) as KubeObject[];
    } catch (error) {
      // A kind that vanished (its CRD deleted): look again next time instead of trusting the cache.
      if (error instanceof ApiException && error.code === 404) this.discovery = null;
      throw toPipelineApiError(error, resource, namespace);
    }
  }

  private request(
    resource: ResourceDescriptor,
    version: string,
    namespace: string | null,
    labelSelector: string | undefined,
    requestOptions: ConfigurationOptions,
  ): Promise<{ items: unknown[] }> {
    switch (resource.kind) {
      case 'ConfigMap':
        return namespace === null
          ? this.core.listConfigMapForAllNamespaces({ labelSelector }, requestOptions)
          : this.core.listNamespacedConfigMap({ namespace, labelSelector }, requestOptions);
      case 'Deployment':
        return namespace === null
          ? this.apps.listDeploymentForAllNamespaces({ labelSelector }, requestOptions)
          : this.apps.listNamespacedDeployment({ namespace, labelSelector }, requestOptions);
      case 'StatefulSet':
        return namespace === null
          ? this.apps.listStatefulSetForAllNamespaces({ labelSelector }, requestOptions)
          : this.apps.listNamespacedStatefulSet({ namespace, labelSelector }, requestOptions);
      case 'DaemonSet':
        return namespace === null
          ? this.apps.listDaemonSetForAllNamespaces({ labelSelector }, requestOptions)
          : this.apps.listNamespacedDaemonSet({ namespace, labelSelector }, requestOptions);
      case 'Namespace':
        // Cluster-scoped: there is no namespaced list, whatever the caller asked.
        return this.core.listNamespace({ labelSelector }, requestOptions);
      default: {
        const params = { group: resource.group, version, plural: resource.plural, labelSelector };
        return (
          namespace === null
            ? this.custom.listClusterCustomObject(params, requestOptions)
            : this.custom.listNamespacedCustomObject({ ...params, namespace }, requestOptions)
        ) as Promise<{ items: unknown[] }>;
      }
    }
  }
}
