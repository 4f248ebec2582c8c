/**
 * The Kubernetes kinds this service reads, and nothing else: this list is also
 * what the deploy/ ClusterRole grants. Versions are in order of preference; the
 * Kubernetes reader asks the API server which of them it serves.
 */
export const RESOURCE_KINDS = [
  'Pipeline',
  'PipelineStage',
  'ConfigMap',
  'Kustomization',
  'HelmRelease',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Namespace',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface ResourceDescriptor {
  kind: ResourceKind;
  /** '' for the core group. */
  group: string;
  plural: string;
  versions: readonly string[];
  /** Ours, not part of Kubernetes or Flux: a missing CRD means `make install` was not run. */
  ownCrd: boolean;
  /** False for cluster-scoped kinds (Namespace): they are only ever listed with namespace null. */
  namespaced?: boolean;
}

export const RESOURCES: Record<ResourceKind, ResourceDescriptor> = {
  Pipeline: {
    kind: 'Pipeline',
    group: 'wego.weave.works',
    plural: 'pipelines',
    versions: ['v1alpha3', 'v1alpha2', 'v1alpha1'],
    ownCrd: true,
  },
  PipelineStage: {
    kind: 'PipelineStage',
    group: 'wego.weave.works',
    plural: 'pipelinestages',
    versions: ['v1alpha3'],
    ownCrd: true,
  },
  ConfigMap: { kind: 'ConfigMap', group: '', plural: 'configmaps', versions: ['v1'], ownCrd: false },
  Kustomization: {
    kind: 'Kustomization',
    group: 'kustomize.toolkit.fluxcd.io',
    plural: 'kustomizations',
    versions: ['v1', 'v1beta2', 'v1beta1'],
    ownCrd: false,
  },
  HelmRelease: {
    kind: 'HelmRelease',
    group: 'helm.toolkit.fluxcd.io',
    plural: 'helmreleases',
    versions: ['v2', 'v2beta2', 'v2beta1'],
    ownCrd: false,
  },
  Deployment: { kind: 'Deployment', group: 'apps', plural: 'deployments', versions: ['v1'], ownCrd: false },
  StatefulSet: { kind: 'StatefulSet', group: 'apps', plural: 'statefulsets', versions: ['v1'], ownCrd: false },
  DaemonSet: { kind: 'DaemonSet', group: 'apps', plural: 'daemonsets', versions: ['v1'], ownCrd: false },
  Namespace: { kind: 'Namespace', group: '', plural: 'namespaces', versions: ['v1'], ownCrd: false, namespaced: false },
};

/** Whether objects of this kind live in a namespace. */
export const isNamespaced = (kind: ResourceKind): boolean => RESOURCES[kind].namespaced !== false;

/** The API path of a kind's collection: cluster-wide when namespace is null. */
export function collectionPath(resource: ResourceDescriptor, version: string, namespace: string | null): string {
  const base = resource.group === '' ? `/api/${version}` : `/apis/${resource.group}/${version}`;
  const scoped = namespace !== null && resource.namespaced !== false ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${scoped}/${resource.plural}`;
}

/** The API group of an apiVersion string ("apps/v1" → "apps", "v1" → ""). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  // Stryker disable next-line EqualityOperator: with the slash first, slice(0, 0) is '' too
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Which of our kinds an object is, matching group and kind (Kustomization exists in two groups). */
export function resourceKindOf(apiVersion: unknown, kind: unknown): ResourceKind | null {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return null;
  const descriptor = RESOURCES[kind as ResourceKind];
  return descriptor && descriptor.group === groupOf(apiVersion) ? descriptor.kind : null;
}
