// PipelineService over a fake ClusterReader (the reader interface, nothing mocked below it):
// which kinds freshness considers, how listing reports broken definitions and failed reads,
// and how inventory workloads are gathered.
import { describe, expect, it } from 'vitest';
import { ClusterLoaders } from '../src/cluster/loaders.js';
import type { KubeObject } from '../src/cluster/kube-object.js';
import type { ClusterReader, Freshness } from '../src/cluster/reader.js';
import type { ResourceKind } from '../src/cluster/resources.js';
import { PipelineService } from '../src/approaches/pipeline-service.js';
import { decodeRelease } from '../src/approaches/flux-releases.js';
import { PipelineApiError } from '../src/errors.js';
import { configMap, kustomization, pipelineObject } from './support/fixtures.js';
import { SnapshotReader } from '../src/cluster/snapshot/snapshot-source.js';

const serviceOver = (reader: ClusterReader, deadlineAt?: number) => new PipelineService(new ClusterLoaders(reader, undefined, deadlineAt));

describe('PipelineService.freshness', () => {
  it('asks about the definition kind, PipelineStage for STAGE, both release kinds and Deployments', () => {
    const asked: (readonly ResourceKind[] | undefined)[] = [];
    const reader: ClusterReader = {
      list: async () => [],
      freshness: (kinds) => {
        asked.push(kinds);
        return { stale: true, lastSyncAt: 42, staleKinds: ['HelmRelease'] } satisfies Freshness;
      },
    };
    const service = serviceOver(reader);
    expect(service.freshness('HYBRID')).toEqual({ stale: true, lastSyncAt: 42, staleKinds: ['HelmRelease'] });
    service.freshness('STAGE');
    service.freshness('CM');
    service.freshness(null);
    expect(asked).toEqual([
      ['Pipeline', 'Kustomization', 'HelmRelease', 'Deployment'],
      ['Pipeline', 'PipelineStage', 'Kustomization', 'HelmRelease', 'Deployment'],
      ['ConfigMap', 'Kustomization', 'HelmRelease', 'Deployment'],
      undefined,
    ]);
  });
});

describe('PipelineService.list', () => {
  const hybrid = (name: string, namespace = 'flux-system') => pipelineObject(name, { stages: [{ name: 'dev', namespace: 'dev', order: 1 }] }, 'v1alpha1', namespace);

  it('lists every approach sorted by namespace and name, a broken definition as its error in place', async () => {
    const objects = [
      hybrid('zeta'),
      hybrid('alpha', 'team-b'),
      hybrid('alpha'),
      pipelineObject('broken', { stages: [{ name: 'dev', namespace: 'dev', order: 0 }] }),
      pipelineObject('refs', { stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [] }] }),
      configMap('unrelated', { other: 'x' }),
    ];
    const listed = await serviceOver(new SnapshotReader(objects)).list(null, null);
    expect(listed.map((p) => (p instanceof Error ? `${(p as PipelineApiError).code}: ${p.message}` : `${p.approach} ${p.namespace}/${p.name}`))).toEqual([
      'HYBRID flux-system/alpha',
      'INVALID_PIPELINE_DEFINITION: Pipeline flux-system/broken is not a valid pipeline definition: spec.stages[0].order: expected at least 1, got 0',
      'HYBRID flux-system/zeta',
      'HYBRID team-b/alpha',
      'CRD flux-system/refs',
    ]);
    const inTeamB = await serviceOver(new SnapshotReader(objects)).list('HYBRID', 'team-b');
    expect(inTeamB.map((p) => (p instanceof Error ? p.message : p.id))).toEqual(['Pipeline:HYBRID:team-b/alpha']);
  });

  it('reports a failed read of Pipelines once, not once per approach that reads them', async () => {
    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to list Pipeline.', { kind: 'Pipeline' });
    const reader: ClusterReader = {
      list: async (kind) => {
        if (kind === 'Pipeline') throw forbidden;
        return [configMap('cm', { pipelines: 'name: cm\nstages:\n  - {name: dev, namespace: dev, order: 1}\n' })];
      },
    };
    const listed = await serviceOver(reader).list(null, null);
    expect(listed.map((p) => (p instanceof Error ? `${(p as PipelineApiError).code} ${p.message}` : p.id))).toEqual([
      'FORBIDDEN Not allowed to list Pipeline.',
      'Pipeline:CM:flux-system/cm',
    ]);
  });

  it('stops a listing whose deadline has passed, naming what was cancelled', async () => {
    const service = serviceOver(new SnapshotReader([hybrid('a')]), Date.now() - 1);
    await expect(service.list('HYBRID', null)).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      message: "Listing pipelines was cancelled: the query's deadline passed or its client went away.",
    });
  });
});

describe('PipelineService.list over many definitions', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => pipelineObject(`p-${String(i).padStart(4, '0')}`, { stages: [{ name: 'dev', namespace: 'dev', order: 1 }] }, 'v1alpha1'));

  /** Event-loop turns (setImmediate callbacks) that pass while a listing of n definitions runs. */
  async function turnsDuring(n: number): Promise<number> {
    const service = serviceOver(new SnapshotReader(many(n)));
    let turns = 0;
    let running = true;
    const tick = () => {
      if (!running) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const listed = await service.list('HYBRID', null);
    running = false;
    expect(listed).toHaveLength(n);
    return turns;
  }

  it('yields to the event loop after every 200 definitions it decodes, and not before', async () => {
    const none = await turnsDuring(0);
    expect(await turnsDuring(1)).toBe(none);
    expect(await turnsDuring(200)).toBe(none);
    expect(await turnsDuring(201)).toBe(none + 1);
    expect(await turnsDuring(1000)).toBe(none + 4);
  });

  it('stops at the next yield once its client went away, naming what was cancelled', async () => {
    const controller = new AbortController();
    const service = new PipelineService(new ClusterLoaders(new SnapshotReader(many(1000)), controller.signal));
    const listing = service.list('HYBRID', null);
    // Runs at the listing's first yield (after 200 definitions), before it goes on.
    setImmediate(() => controller.abort());
    await expect(listing).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      message: "Listing pipelines was cancelled: the query's deadline passed or its client went away.",
    });
  });
});

describe('PipelineService.get', () => {
  it('answers PIPELINE_NOT_FOUND naming the approach, namespace and name', async () => {
    await expect(serviceOver(new SnapshotReader([])).get('CRD', 'team', 'gone')).rejects.toMatchObject({
      code: 'PIPELINE_NOT_FOUND',
      message: 'No CRD pipeline named "gone" in namespace "team".',
      object: { kind: 'Pipeline', namespace: 'team', name: 'gone' },
    });
    const hybridObject = pipelineObject('h', { stages: [] }, 'v1alpha1', 'team');
    await expect(serviceOver(new SnapshotReader([hybridObject])).get('CRD', 'team', 'h')).rejects.toMatchObject({
      code: 'PIPELINE_NOT_FOUND',
      message: 'No CRD pipeline named "h" in namespace "team": Pipeline team/h is a HYBRID pipeline, not CRD.',
      object: { kind: 'Pipeline', namespace: 'team', name: 'h' },
    });
  });
});

describe('PipelineService.workloadsOf', () => {
  const deploymentObject = (kind: string, namespace: string, name: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind,
    metadata: { namespace, name },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: `${name}:1` }] } } },
    status: { readyReplicas: 1 },
  });

  it('reads inventory workloads grouped by kind (Deployment, StatefulSet, DaemonSet), sorted, skipping the ones gone', async () => {
    const release = decodeRelease({
      ...kustomization('dev', 'app'),
      status: {
        inventory: {
          entries: ['apps_zz_apps_DaemonSet', 'web_b_apps_Deployment', 'apps_db_apps_StatefulSet', 'apps_gone_apps_Deployment', 'apps_a_apps_Deployment'].map((id) => ({ id, v: 'v1' })),
        },
      },
    });
    const objects = [
      deploymentObject('DaemonSet', 'apps', 'zz'),
      deploymentObject('Deployment', 'web', 'b'),
      deploymentObject('StatefulSet', 'apps', 'db'),
      deploymentObject('Deployment', 'apps', 'a'),
    ];
    const workloads = await serviceOver(new SnapshotReader(objects)).workloadsOf(release);
    expect(workloads.map((w) => w.id)).toEqual(['Deployment:apps/a', 'Deployment:web/b', 'StatefulSet:apps/db', 'DaemonSet:apps/zz']);
  });

  it('reads labelled workloads of every kind in the selection namespace', async () => {
    const release = decodeRelease(kustomization('dev', 'app'));
    const labels = { 'kustomize.toolkit.fluxcd.io/name': 'app', 'kustomize.toolkit.fluxcd.io/namespace': 'dev' };
    const labelled = (kind: string, namespace: string, name: string, l = labels) => ({ ...deploymentObject(kind, namespace, name), metadata: { namespace, name, labels: l } });
    const objects = [
      labelled('DaemonSet', 'dev', 'agent'),
      labelled('StatefulSet', 'dev', 'db'),
      labelled('Deployment', 'dev', 'web'),
      labelled('Deployment', 'other', 'web'),
      labelled('Deployment', 'dev', 'foreign', { ...labels, 'kustomize.toolkit.fluxcd.io/name': 'other' }),
    ];
    const workloads = await serviceOver(new SnapshotReader(objects)).workloadsOf(release);
    expect(workloads.map((w) => w.id)).toEqual(['Deployment:dev/web', 'StatefulSet:dev/db', 'DaemonSet:dev/agent']);
  });
});
