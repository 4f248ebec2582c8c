import { describe, expect, it } from 'vitest';
import { PipelineApiError } from '../../errors.js';
import { byNamespaceAndName, type KubeObject } from '../kube-object.js';
import type { SourceEvent } from '../reader.js';
import { ObjectStore } from './object-store.js';
import { projectObject } from './projection.js';
import { StoreReader } from './store-reader.js';

const PIPELINE_LABEL = 'pipelines.wego.weave.works/name';

function obj(kind: string, namespace: string | undefined, name: string, extra: Partial<KubeObject> & { labels?: Record<string, string>; rv?: string } = {}): KubeObject {
  const { labels, rv, ...rest } = extra;
  const apiVersion = { Deployment: 'apps/v1', ConfigMap: 'v1', HelmRelease: 'helm.toolkit.fluxcd.io/v2', Kustomization: 'kustomize.toolkit.fluxcd.io/v1' }[kind] ?? 'v1';
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), uid: `${namespace}/${name}`, ...(labels ? { labels } : {}), ...(rv ? { resourceVersion: rv } : {}) }, ...rest };
}

describe('byNamespaceAndName', () => {
  it('orders by namespace, then name, cluster-scoped objects first', () => {
    const objects = [obj('Namespace', undefined, 'zz'), obj('ConfigMap', 'b', 'a'), obj('ConfigMap', 'a', 'b'), obj('ConfigMap', 'a', 'a'), obj('Namespace', undefined, 'aa')];
    expect([...objects].sort(byNamespaceAndName).map((o) => `${o.metadata.namespace ?? '-'}/${o.metadata.name}`)).toEqual(['-/aa', '-/zz', 'a/a', 'a/b', 'b/a']);
  });
});

describe('projection', () => {
  it('drops what is never read and may hold secrets or bulk, keeps what is read', () => {
    const hr = projectObject({
      ...obj('HelmRelease', 'dev', 'app', { labels: { a: 'b' } }),
      metadata: {
        name: 'app',
        namespace: 'dev',
        labels: { a: 'b' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"secret":1}', keep: 'x' },
        managedFields: [{ manager: 'x' }],
      } as KubeObject['metadata'],
      spec: { values: { password: 'p' }, valuesFrom: [{ kind: 'Secret' }], chart: { spec: { chart: 'c', version: '1' } }, suspend: true, targetNamespace: 't' },
      status: { history: [{ chartVersion: '1' }], conditions: [] },
    });
    expect(hr.spec).toEqual({ chart: { spec: { chart: 'c', version: '1' } }, suspend: true, targetNamespace: 't' });
    expect(hr.metadata).toEqual({ name: 'app', namespace: 'dev', labels: { a: 'b' }, annotations: { keep: 'x' } });
    expect(hr.status).toEqual({ history: [{ chartVersion: '1' }], conditions: [] });

    const deploy = projectObject({
      ...obj('Deployment', 'dev', 'web'),
      spec: {
        replicas: 2,
        template: {
          metadata: { labels: { app: 'web' }, annotations: { x: 'y' } },
          spec: {
            volumes: [{ name: 'v' }],
            containers: [{ name: 'c', image: 'i:1', env: [{ name: 'TOKEN', value: 's' }], args: ['--pw=s'], command: ['x'], livenessProbe: {}, volumeMounts: [] }],
            initContainers: [{ name: 'init', image: 'i:0', envFrom: [{}] }],
          },
        },
      },
      status: { readyReplicas: 2 },
    });
    expect(deploy.spec).toEqual({
      replicas: 2,
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i:1' }], initContainers: [{ name: 'init', image: 'i:0' }] } },
    });

    const ks = projectObject({
      ...obj('Kustomization', 'dev', 'k'),
      spec: { interval: '5m', prune: true, path: './p', suspend: false, targetNamespace: 't', sourceRef: { kind: 'GitRepository', name: 'g', apiVersion: 'x' } },
      status: {
        observedGeneration: 2,
        lastAppliedRevision: 'r1',
        lastAttemptedRevision: 'r2',
        lastHandledReconcileAt: 'now',
        conditions: [
          { type: 'Healthy', status: 'True' },
          { type: 'Ready', status: 'False', reason: 'Failed', message: 'm', lastTransitionTime: 't', observedGeneration: 2 },
          'not a condition',
        ],
        inventory: { entries: [{ id: 'dev_web_apps_Deployment', v: 'v1' }] },
      },
    });
    expect(ks.spec).toEqual({ suspend: false, path: './p', targetNamespace: 't', sourceRef: { kind: 'GitRepository', name: 'g' } });
    expect(ks.status).toEqual({
      observedGeneration: 2,
      lastAppliedRevision: 'r1',
      lastAttemptedRevision: 'r2',
      conditions: [{ type: 'Ready', status: 'False', reason: 'Failed', message: 'm', lastTransitionTime: 't' }, 'not a condition'],
      inventory: { entries: [{ id: 'dev_web_apps_Deployment' }] },
    });
    const hrFull = projectObject({
      ...obj('HelmRelease', 'dev', 'h'),
      spec: { releaseName: 'rn', chart: { spec: { chart: 'c', version: '1.x', sourceRef: { kind: 'HelmRepository' } } } },
      status: { helmChart: 'x', history: [{ chartName: 'c', chartVersion: '1.2', appVersion: 'a', version: 3, name: 'rn', status: 'deployed', lastDeployed: 't', digest: 'sha' }] },
    });
    expect(hrFull.spec).toEqual({ releaseName: 'rn', chart: { spec: { chart: 'c', version: '1.x' } } });
    expect(hrFull.status).toEqual({ history: [{ chartName: 'c', chartVersion: '1.2', appVersion: 'a', version: 3, name: 'rn', status: 'deployed', lastDeployed: 't' }] });
    const workload = projectObject({
      ...obj('Deployment', 'dev', 'web'),
      status: {
        readyReplicas: 1,
        replicas: 2,
        collisionCount: 0,
        conditions: [
          { type: 'Available', status: 'True', message: 'long' },
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', lastUpdateTime: 't' },
        ],
      },
    });
    expect(workload.status).toEqual({ replicas: 2, readyReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });

    // Fields absent from the input stay absent, not present as undefined (toStrictEqual).
    expect(projectObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } })).toStrictEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
    const meta = { name: 'a', namespace: 'dev', uid: 'u', generation: 3, resourceVersion: '9', creationTimestamp: '2026-01-01T00:00:00Z' };
    expect(projectObject({ apiVersion: 'v1', kind: 'Namespace', metadata: meta }).metadata).toStrictEqual(meta);
    expect(projectObject({ ...obj('Deployment', 'dev', 'web'), spec: { template: { spec: {} } } }).spec).toStrictEqual({ template: { spec: {} } });
    expect(projectObject({ ...obj('Deployment', 'dev', 'web'), status: { replicas: 1 } }).status).toStrictEqual({ replicas: 1 });
    expect(projectObject({ ...obj('Kustomization', 'dev', 'k'), status: { inventory: {} } }).status).toStrictEqual({ inventory: {} });
    expect(projectObject({ ...obj('Kustomization', 'dev', 'k'), status: { inventory: 'odd' } }).status).toStrictEqual({ inventory: 'odd' });
    expect(projectObject({ ...obj('Kustomization', 'dev', 'k'), spec: { sourceRef: { kind: 'GitRepository', name: 'g', namespace: 'flux-system' } } }).spec)
      .toStrictEqual({ sourceRef: { kind: 'GitRepository', name: 'g', namespace: 'flux-system' } });
    // A condition whose type is not a string is kept for readers to skip, like a non-record entry.
    expect(projectObject({ ...obj('Kustomization', 'dev', 'k'), status: { conditions: [{ type: 5, status: 'True' }] } }).status)
      .toStrictEqual({ conditions: [{ type: 5, status: 'True' }] });
    // Malformed shapes are kept as they are, never a crash: readers report them.
    expect(projectObject({ ...obj('Deployment', 'dev', 'web'), spec: { template: { spec: { containers: 'bogus' } } } }).spec)
      .toStrictEqual({ template: { spec: { containers: 'bogus' } } });
    expect(projectObject({ ...obj('HelmRelease', 'dev', 'h'), spec: 'broken', status: 'broken' } as unknown as KubeObject)).toMatchObject({ spec: 'broken', status: 'broken' });
    expect(projectObject({ ...obj('Deployment', 'dev', 'web'), spec: null, status: null } as unknown as KubeObject)).toMatchObject({ spec: null, status: null });
    // Kinds the projection does not know keep spec and status whole (a Pipeline's stages, for one).
    const pipeline = { apiVersion: 'pipelines.weave.works/v1alpha2', kind: 'Pipeline', metadata: { name: 'p' }, spec: { stages: [{ name: 'dev' }], template: 'x' }, status: { replicas: 2, phase: 'x' } };
    expect(projectObject(pipeline)).toStrictEqual(pipeline);

    const cm = projectObject({ ...obj('ConfigMap', 'ns', 'cm'), data: { pipelines: 'stages: []', password: 'x' } });
    expect(cm.data).toEqual({ pipelines: 'stages: []' });
    expect(projectObject({ ...obj('ConfigMap', 'ns', 'cm'), data: { other: 'x' } }).data).toBeUndefined();
  });
});

describe('ObjectStore', () => {
  it('indexes by namespace, name, pipeline label, Flux owner labels and inventory entry', () => {
    const store = new ObjectStore();
    store.replace('Kustomization', [
      obj('Kustomization', 'dev', 'a', { labels: { [PIPELINE_LABEL]: 'p' }, status: { inventory: { entries: [{ id: 'dev_web_apps_Deployment' }] } } }),
      obj('Kustomization', 'default', 'intruder', { labels: { [PIPELINE_LABEL]: 'p' } }),
    ]);
    store.replace('Deployment', [
      obj('Deployment', 'dev', 'web', { labels: { 'kustomize.toolkit.fluxcd.io/name': 'a', 'kustomize.toolkit.fluxcd.io/namespace': 'dev' } }),
      obj('Deployment', 'prod', 'web'),
    ]);
    const reader = new StoreReader(store);
    return Promise.all([
      expect(reader.listByLabels('Kustomization', 'dev', { [PIPELINE_LABEL]: 'p' }).then((l) => l.map((o) => o.metadata.name))).resolves.toEqual(['a']),
      expect(reader.listByLabels('Kustomization', null, { [PIPELINE_LABEL]: 'p' }).then((l) => l.map((o) => o.metadata.name))).resolves.toEqual(['intruder', 'a']),
      expect(
        reader
          .listByLabels('Deployment', 'dev', { 'kustomize.toolkit.fluxcd.io/name': 'a', 'kustomize.toolkit.fluxcd.io/namespace': 'dev' })
          .then((l) => l.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)),
      ).resolves.toEqual(['dev/web']),
      expect(reader.listByInventoryEntry('Kustomization', null, 'dev_web_apps_Deployment').then((l) => l.map((o) => o.metadata.name))).resolves.toEqual(['a']),
      expect(reader.get('Deployment', 'prod', 'web').then((o) => o?.metadata.namespace)).resolves.toBe('prod'),
      expect(reader.get('Deployment', 'staging', 'web')).resolves.toBeNull(),
      expect(reader.list('Deployment', 'dev').then((l) => l.length)).resolves.toBe(1),
      expect(reader.list('Deployment', null).then((l) => l.length)).resolves.toBe(2),
    ]);
  });

  it('applies a relist as the changes that lead to it, each once, and unindexes what changed', () => {
    const store = new ObjectStore();
    const events: string[] = [];
    store.replace('Deployment', [obj('Deployment', 'a', 'one', { rv: '1' }), obj('Deployment', 'a', 'two', { rv: '1', labels: { [PIPELINE_LABEL]: 'p' } })]);
    const stop = store.subscribe((e: SourceEvent) => {
      if (e.type === 'change') events.push(`${e.change.type} ${e.change.object.metadata.name}`);
    });
    store.replace('Deployment', [obj('Deployment', 'a', 'two', { rv: '2' }), obj('Deployment', 'a', 'three', { rv: '1' }), obj('Deployment', 'a', 'one', { rv: '1' })]);
    expect(events).toEqual(['MODIFIED two', 'ADDED three']);
    store.remove('Deployment', obj('Deployment', 'a', 'one'));
    store.remove('Deployment', obj('Deployment', 'a', 'gone'));
    expect(events).toEqual(['MODIFIED two', 'ADDED three', 'DELETED one']);
    expect(store.byIndex('Deployment', 'label', `a\u0000${PIPELINE_LABEL}=p`)).toEqual([]);
    stop();
    expect(store.listenerCount()).toBe(0);
  });

  it('answers reads by labels and inventory entry sorted by namespace and name, and still so after the objects under a key change', async () => {
    const store = new ObjectStore();
    const reader = new StoreReader(store);
    const labelled = (namespace: string, name: string, value: string, rv = '1') =>
      obj('Kustomization', namespace, name, { rv, labels: { [PIPELINE_LABEL]: value }, status: { inventory: { entries: [{ id: `${value}_web_apps_Deployment` }] } } });
    const names = async () => (await reader.listByLabels('Kustomization', null, { [PIPELINE_LABEL]: 'p' })).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    const byEntry = async () => (await reader.listByInventoryEntry('Kustomization', null, 'p_web_apps_Deployment')).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    store.replace('Kustomization', [labelled('b', 'z', 'p'), labelled('a', 'y', 'p'), labelled('b', 'c', 'p'), labelled('a', 'other', 'q')]);
    expect(await names()).toEqual(['a/y', 'b/c', 'b/z']);
    expect(await byEntry()).toEqual(['a/y', 'b/c', 'b/z']);

    // Each kind of write reaches what a later read answers: added, relabelled (moved to another key), deleted.
    store.upsert('Kustomization', labelled('a', 'b', 'p'));
    expect(await names()).toEqual(['a/b', 'a/y', 'b/c', 'b/z']);
    expect(await byEntry()).toEqual(['a/b', 'a/y', 'b/c', 'b/z']);
    store.upsert('Kustomization', labelled('b', 'c', 'q', '2'));
    expect(await names()).toEqual(['a/b', 'a/y', 'b/z']);
    expect(await byEntry()).toEqual(['a/b', 'a/y', 'b/z']);
    store.upsert('Kustomization', labelled('a', 'other', 'p', '2'));
    expect(await names()).toEqual(['a/b', 'a/other', 'a/y', 'b/z']);
    store.remove('Kustomization', labelled('a', 'y', 'p'));
    expect(await names()).toEqual(['a/b', 'a/other', 'b/z']);
    expect(await byEntry()).toEqual(['a/b', 'a/other', 'b/z']);

    // What a read returns is the caller's: changing it changes no later answer.
    const answer = await reader.listByLabels('Kustomization', null, { [PIPELINE_LABEL]: 'p' });
    answer.reverse().pop();
    const entries = await reader.listByInventoryEntry('Kustomization', null, 'p_web_apps_Deployment');
    entries.length = 0;
    expect(await names()).toEqual(['a/b', 'a/other', 'b/z']);
    expect(await byEntry()).toEqual(['a/b', 'a/other', 'b/z']);

    // Labels beyond the indexed one still narrow the answer; labels no index answers read the namespace, sorted the same way.
    store.upsert('Kustomization', obj('Kustomization', 'a', 'extra', { labels: { [PIPELINE_LABEL]: 'p', tier: 'web' } }));
    store.upsert('Kustomization', obj('Kustomization', 'a', 'another', { labels: { tier: 'web' } }));
    const both = await reader.listByLabels('Kustomization', null, { [PIPELINE_LABEL]: 'p', tier: 'web' });
    expect(both.map((o) => o.metadata.name)).toEqual(['extra']);
    const tier = await reader.listByLabels('Kustomization', 'a', { tier: 'web' });
    expect(tier.map((o) => o.metadata.name)).toEqual(['another', 'extra']);
  });

  it('holds a cluster-scoped kind by name alone', () => {
    const store = new ObjectStore();
    store.upsert('ConfigMap', obj('ConfigMap', undefined, 'cluster-wide'));
    expect(store.get('ConfigMap', null, 'cluster-wide')?.metadata.name).toBe('cluster-wide');
    expect(store.list('ConfigMap', null)).toHaveLength(1);
  });

  it('makes reads wait for the first sync, fail with the feed error, and give up on abort', async () => {
    const store = new ObjectStore();
    const reader = new StoreReader(store);
    const pending = reader.list('Deployment', 'dev');
    store.replace('Deployment', [obj('Deployment', 'dev', 'web')]);
    await expect(pending.then((l) => l.length)).resolves.toBe(1);

    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to list helmreleases.', { kind: 'HelmRelease' });
    store.setStatus('HelmRelease', { error: forbidden });
    await expect(reader.get('HelmRelease', 'dev', 'x')).rejects.toBe(forbidden);

    const controller = new AbortController();
    const waiting = reader.list('Kustomization', 'dev', { signal: controller.signal });
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
  });

  it('reports staleness and the oldest sync time', () => {
    const store = new ObjectStore(['ConfigMap', 'Deployment']);
    store.replace('ConfigMap', [], 1000);
    expect(store.freshness()).toEqual({ stale: false, lastSyncAt: null, staleKinds: [] });
    store.replace('Deployment', [], 2000);
    expect(store.freshness()).toEqual({ stale: false, lastSyncAt: 1000, staleKinds: [] });
    store.setStatus('Deployment', { stale: true });
    expect(store.freshness()).toEqual({ stale: true, lastSyncAt: 1000, staleKinds: ['Deployment'] });
    expect(store.stats()).toEqual({ objects: { ConfigMap: 0, Deployment: 0 }, watchRestarts: { ConfigMap: 0, Deployment: 0 }, lastSyncAt: { ConfigMap: 1000, Deployment: 2000 } });
  });
});
