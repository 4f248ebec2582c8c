import type { KubeObject } from '../../src/cluster/kube-object.js';
import { PipelineApiError } from '../../src/errors.js';
import type { ClusterReader, ClusterSource, ListOptions } from '../../src/cluster/reader.js';
import type { ResourceKind } from '../../src/cluster/resources.js';
import { SnapshotReader } from '../../src/cluster/snapshot/snapshot-source.js';

/** Small builders for Kubernetes objects, so each test states only what it is about. */
const meta = (namespace: string, name: string, labels?: Record<string, string>) => ({
  name,
  namespace,
  ...(labels ? { labels } : {}),
});

export const PIPELINE_LABEL = 'pipelines.wego.weave.works/name';

export const pipelineObject = (name: string, spec: unknown, version = 'v1alpha1', namespace = 'flux-system'): KubeObject => ({
  apiVersion: `wego.weave.works/${version}`,
  kind: 'Pipeline',
  metadata: meta(namespace, name),
  spec,
});

export const pipelineStage = (namespace: string, name: string, releaseRefs: unknown): KubeObject => ({
  apiVersion: 'wego.weave.works/v1alpha3',
  kind: 'PipelineStage',
  metadata: meta(namespace, name),
  spec: { releaseRefs },
});

export const configMap = (name: string, data: Record<string, string>, namespace = 'flux-system'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: meta(namespace, name),
  data,
});

const ready = { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'ok', lastTransitionTime: '2026-11-01T10:00:00Z' };

export const kustomization = (namespace: string, name: string, labels?: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: meta(namespace, name, labels),
  spec: { path: './app', sourceRef: { kind: 'GitRepository', name: 'repo', namespace: 'flux-system' } },
  status: { conditions: [ready], lastAppliedRevision: 'main@sha1:1111111111111111111111111111111111111111' },
  ...extra,
});

export const helmRelease = (namespace: string, name: string, labels?: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: meta(namespace, name, labels),
  spec: { chart: { spec: { chart: 'app', version: '1.2.3' } } },
  status: { conditions: [ready], history: [{ chartName: 'app', chartVersion: '1.2.3', appVersion: '1.2.3', version: 1, name, namespace }] },
  ...extra,
});

export const deployment = (namespace: string, name: string, labels: Record<string, string>, containers: unknown[]): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta(namespace, name, labels),
  spec: { replicas: 1, template: { spec: { containers } } },
  status: { readyReplicas: 1 },
});

/**
 * A source over fixed objects, faked at the reader interface only. `failures` makes one
 * (kind, namespace) list fail the way the Kubernetes reader would report it.
 */
export function fixtureSource(objects: KubeObject[], failures: Partial<Record<string, PipelineApiError>> = {}): ClusterSource & { calls: string[] } {
  const reader = new SnapshotReader(objects);
  const calls: string[] = [];
  const wrapped: ClusterReader = {
    async list(kind: ResourceKind, namespace: string | null, options?: ListOptions) {
      const key = `${kind} ${namespace ?? '*'}`;
      calls.push(key);
      const failure = failures[key];
      if (failure) throw failure;
      return reader.list(kind, namespace, options);
    },
  };
  return {
    calls,
    description: 'test fixtures',
    readerFor: () => wrapped,
    checkReady: async () => ({ ready: true, message: 'fixtures' }),
  };
}
