// StatefulSets and DaemonSets through a real API server: found by a Kustomization's
// inventory and by Flux's owner labels, with their replica counts and images, and the
// health they give their release. Everything lives in its own namespace and is deleted
// afterwards, so the demo answers of the other files do not change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoErrors } from '../support/graphql-client.js';
import { useSharedCluster } from './harness/shared-cluster.js';
import { installOwnCrds } from './support/demo-cluster.js';
import { kubeClient, type KubeClient } from './support/kube-app.js';

const cluster = useSharedCluster();
const NS = 'insights-e2e';
const LABEL = 'pipelines.wego.weave.works/name';
let kube: KubeClient;

async function must(args: string[], input?: string): Promise<void> {
  const result = await cluster.kubectl(args, { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

const podTemplate = (app: string, image: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: app, image }] },
});

const objects = [
  { apiVersion: 'wego.weave.works/v1alpha1', kind: 'Pipeline', metadata: { name: 'shop', namespace: NS }, spec: { stages: [{ name: 'only', namespace: NS, order: 1 }] } },
  {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'app', namespace: NS, labels: { [LABEL]: 'shop' } },
    spec: { interval: '5m', path: './app', prune: true, sourceRef: { kind: 'GitRepository', name: 'repo', namespace: NS } },
  },
  {
    apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'cache', namespace: NS, labels: { [LABEL]: 'shop' } },
    spec: { interval: '5m', chart: { spec: { chart: 'redis', version: '18.0.0', sourceRef: { kind: 'HelmRepository', name: 'charts' } } } },
  },
  {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: NS },
    spec: { serviceName: 'db', replicas: 2, selector: { matchLabels: { app: 'db' } }, template: podTemplate('db', 'postgres:16.4') },
  },
  {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: NS },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: podTemplate('agent', 'ghcr.io/acme/agent:1.2.3') },
  },
  {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: 'cache-redis', namespace: NS, labels: { 'helm.toolkit.fluxcd.io/name': 'cache', 'helm.toolkit.fluxcd.io/namespace': NS } },
    spec: { serviceName: 'cache-redis', replicas: 1, selector: { matchLabels: { app: 'redis' } }, template: podTemplate('redis', 'redis:7.2.0') },
  },
];

const ready = { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied', lastTransitionTime: '2026-11-01T10:00:00Z' };
const statuses: [string, string, unknown][] = [
  // observedGeneration as Flux writes it: the CRDs default it to -1 ("never reconciled").
  ['kustomizations.v1.kustomize.toolkit.fluxcd.io', 'app', {
    observedGeneration: 1,
    conditions: [ready],
    inventory: { entries: [{ id: `${NS}_db_apps_StatefulSet`, v: 'v1' }, { id: `${NS}_agent_apps_DaemonSet`, v: 'v1' }] },
    lastAppliedRevision: 'main@sha1:1111111111111111111111111111111111111111',
  }],
  ['helmreleases.v2.helm.toolkit.fluxcd.io', 'cache', { observedGeneration: 1, conditions: [ready], history: [{
    appVersion: '7.2.0', chartName: 'redis', chartVersion: '18.0.0', version: 1, name: 'cache', namespace: NS, status: 'deployed',
    digest: `sha256:${'c'.repeat(64)}`, configDigest: `sha256:${'d'.repeat(64)}`, firstDeployed: '2026-11-01T10:00:00Z', lastDeployed: '2026-11-01T10:00:00Z',
  }] }],
  // One of two db replicas ready: the rollout is still going.
  ['statefulsets.v1.apps', 'db', { replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 }],
  ['daemonsets.v1.apps', 'agent', { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberMisscheduled: 0, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3 }],
  ['statefulsets.v1.apps', 'cache-redis', { replicas: 1, readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 }],
];

beforeAll(async () => {
  await installOwnCrds(cluster);
  await cluster.kubectl(['create', 'namespace', NS]);
  await must(['apply', '--server-side', '--field-manager=e2e', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  for (const [resource, name, status] of statuses) {
    await must(['patch', resource, name, '-n', NS, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
  }
  kube = kubeClient(cluster.kubeconfigPath);
}, 120_000);

afterAll(async () => {
  // The namespace stays (no controller-manager runs to finalize it); what is in it goes.
  await cluster.kubectl(['delete', '-n', NS, 'pipelines.wego.weave.works,kustomizations.kustomize.toolkit.fluxcd.io,helmreleases.helm.toolkit.fluxcd.io,statefulsets.apps,daemonsets.apps', '--all', '--wait=false']);
});

describe('StatefulSets and DaemonSets on a real API server', () => {
  it('finds them by inventory and by owner labels, with replica counts, images and the health they give', async () => {
    const { pipeline } = expectNoErrors(await kube.client.query(`{ pipeline(approach: HYBRID, name: "shop", namespace: "${NS}") {
      health firstUnhealthyStage { name }
      stages { health releases { name health healthReason { message object { kind name } }
        workloads { id kind replicas readyReplicas updatedReplicas images { container tag } } } }
    } }`));
    const [app, cache] = pipeline.stages[0].releases;
    expect(app.workloads).toEqual([
      { id: `StatefulSet:${NS}/db`, kind: 'StatefulSet', replicas: 2, readyReplicas: 1, updatedReplicas: 2, images: [{ container: 'db', tag: '16.4' }] },
      { id: `DaemonSet:${NS}/agent`, kind: 'DaemonSet', replicas: 3, readyReplicas: 3, updatedReplicas: 3, images: [{ container: 'agent', tag: '1.2.3' }] },
    ]);
    expect(app).toMatchObject({ health: 'PROGRESSING', healthReason: { object: { kind: 'StatefulSet', name: 'db' } } });
    expect(cache.workloads).toEqual([
      { id: `StatefulSet:${NS}/cache-redis`, kind: 'StatefulSet', replicas: 1, readyReplicas: 1, updatedReplicas: 1, images: [{ container: 'redis', tag: '7.2.0' }] },
    ]);
    expect(cache.health).toBe('HEALTHY');
    expect(pipeline).toMatchObject({ health: 'PROGRESSING', firstUnhealthyStage: { name: 'only' } });
  });

  it('refetches them by id and finds them with whereDeployed', async () => {
    const data = expectNoErrors(await kube.client.query(`{
      ds: node(id: "DaemonSet:${NS}/agent") { __typename ... on Workload { kind replicas } }
      where: whereDeployed(image: "ghcr.io/acme/agent") { pipeline { name } workload { id } version }
    }`));
    expect(data.ds).toEqual({ __typename: 'Workload', kind: 'DaemonSet', replicas: 3 });
    expect(data.where).toEqual([{ pipeline: { name: 'shop' }, workload: { id: `DaemonSet:${NS}/agent` }, version: '1.2.3' }]);
  });
});
