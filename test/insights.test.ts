import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/cluster/kube-object.js';
import { PipelineApiError } from '../src/errors.js';
import { defineDemoInsightsSuite, INSIGHTS } from './queries/insights-expectations.js';
import { appFor, demoSource } from './support/demo-app.js';
import { fixtureSource, helmRelease, kustomization, PIPELINE_LABEL, pipelineObject, pipelineStage } from './support/fixtures.js';
import { clientFor, expectNoErrors, type GraphQLClient } from './support/graphql-client.js';

let demoClient: GraphQLClient;
beforeAll(async () => {
  demoClient = clientFor(appFor(await demoSource()));
});

defineDemoInsightsSuite('built-in demo snapshot', () => demoClient);

// ---- fixtures of our own: the edge cases ----

const label = { [PIPELINE_LABEL]: 'shop' };
const namespaceObject = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const fluxLabels = (prefix: 'kustomize' | 'helm', name: string, namespace: string) => ({
  [`${prefix}.toolkit.fluxcd.io/name`]: name,
  [`${prefix}.toolkit.fluxcd.io/namespace`]: namespace,
});
const workload = (
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet',
  namespace: string,
  name: string,
  labels: Record<string, string>,
  images: Record<string, string>,
  status: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { namespace, name, labels },
  spec: {
    ...(kind === 'DaemonSet' ? {} : { replicas: 2 }),
    template: { spec: { containers: Object.entries(images).map(([c, image]) => ({ name: c, image, env: [{ name: 'SECRET', value: 'x' }] })) } },
  },
  status:
    kind === 'DaemonSet'
      ? { desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3, ...status }
      : { readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2, ...status },
});
const chartRelease = (namespace: string, name: string, chart: string, version: string, extra: Partial<KubeObject> = {}) =>
  helmRelease(namespace, name, label, {
    spec: { chart: { spec: { chart, version } } },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'UpgradeSucceeded', message: 'ok', lastTransitionTime: '2026-11-01T10:00:00Z' }],
      history: [{ chartName: chart, chartVersion: version, version: 1, name, namespace, lastDeployed: '2026-11-01T10:00:00Z', status: 'deployed' }],
    },
    ...extra,
  });

/**
 * "shop": dev → staging → prod. dev runs api 2.0.0 (a Deployment), a StatefulSet db by
 * digest and a DaemonSet agent "latest" (found through the Kustomization's inventory);
 * staging runs api 1.9.0, db by another digest, agent "stable", and a chart only it has;
 * prod's Kustomization is suspended and its chart upgrade failed.
 */
const D1 = 'sha256:' + 'a'.repeat(64);
const D2 = 'sha256:' + 'b'.repeat(64);
const inventory = (ns: string) => ({
  inventory: { entries: [`${ns}_api_apps_Deployment`, `${ns}_db_apps_StatefulSet`, `${ns}_agent_apps_DaemonSet`].map((id) => ({ id, v: 'v1' })) },
});
const appKustomization = (ns: string, extra: Partial<KubeObject> = {}) => {
  const base = kustomization(ns, 'app', label);
  return { ...base, status: { ...(base.status as object), ...inventory(ns) }, ...extra };
};
const shop = [
  pipelineObject('shop', { stages: ['dev', 'staging', 'prod'].map((name, i) => ({ name, namespace: name, order: i + 1 })) }),
  ...['dev', 'staging', 'prod', 'flux-system', 'elsewhere'].map(namespaceObject),
  appKustomization('dev'),
  workload('Deployment', 'dev', 'api', fluxLabels('kustomize', 'app', 'dev'), { api: 'registry.local:5000/shop/api:2.0.0' }),
  workload('StatefulSet', 'dev', 'db', fluxLabels('kustomize', 'app', 'dev'), { db: `postgres@${D1}` }),
  workload('DaemonSet', 'dev', 'agent', fluxLabels('kustomize', 'app', 'dev'), { agent: 'agent:latest' }),
  appKustomization('staging'),
  workload('Deployment', 'staging', 'api', {}, { api: 'registry.local:5000/shop/api:1.9.0' }, { readyReplicas: 1 }),
  workload('StatefulSet', 'staging', 'db', {}, { db: `postgres@${D2}` }),
  workload('DaemonSet', 'staging', 'agent', {}, { agent: 'agent:stable' }),
  chartRelease('staging', 'cache', 'redis', '18.0.0'),
  // StatefulSet found by Flux's owner labels (no inventory on HelmReleases here).
  workload('StatefulSet', 'staging', 'cache-redis', fluxLabels('helm', 'cache', 'staging'), { redis: 'redis:7.2.0' }),
  appKustomization('prod', { spec: { suspend: true, path: './app' } }),
  workload('Deployment', 'prod', 'api', {}, { api: 'registry.local:5000/shop/api:1.9.0' }),
  chartRelease('prod', 'web', 'web', '1.0.0', {
    status: {
      conditions: [{ type: 'Ready', status: 'False', reason: 'UpgradeFailed', message: 'timed out waiting for the condition' }],
      history: [],
      lastAttemptedRevision: '1.0.0',
    },
  }),
  helmRelease('elsewhere', 'stray', label),
];

describe('Query.node input', () => {
  it('refuses an over-long id before reading anything', async () => {
    const source = fixtureSource(shop);
    const response = await clientFor(appFor(source)).query(`{ node(id: "Deployment:dev/${'a'.repeat(1100)}") { id } }`);
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(source.calls).toEqual([]);
  });
});

describe('insights on edge-case fixtures', () => {
  const run = async (objects: KubeObject[], failures = {}, approach = 'HYBRID', name = 'shop') =>
    clientFor(appFor(fixtureSource(objects, failures))).query(INSIGHTS, { approach, name });

  it('finds StatefulSets and DaemonSets by inventory and by owner labels, with their replica counts and images', async () => {
    const response = await clientFor(appFor(fixtureSource(shop))).query(`{ pipeline(approach: HYBRID, name: "shop") { stages { name releases { name workloads {
      id kind name replicas readyReplicas updatedReplicas availableReplicas images { container repository tag digest } } } } } }`);
    const { pipeline } = expectNoErrors(response);
    const dev = pipeline.stages[0].releases[0].workloads;
    expect(dev.map((w: any) => [w.id, w.replicas, w.readyReplicas])).toEqual([
      ['Deployment:dev/api', 2, 2],
      ['StatefulSet:dev/db', 2, 2],
      ['DaemonSet:dev/agent', 3, 3],
    ]);
    expect(dev[1].images).toEqual([{ container: 'db', repository: 'postgres', tag: null, digest: D1 }]);
    const cache = pipeline.stages[1].releases.find((r: any) => r.name === 'cache');
    expect(cache.workloads.map((w: any) => w.id)).toEqual(['StatefulSet:staging/cache-redis']);
  });

  it('rolls health up to the worst release, with the culprit named, and the first unhealthy stage', async () => {
    const { pipeline } = expectNoErrors(await run(shop));
    expect(pipeline.stages.map((s: any) => s.health)).toEqual(['HEALTHY', 'PROGRESSING', 'FAILED']);
    expect(pipeline.stages[1].healthReason).toMatchObject({ object: { kind: 'Deployment', namespace: 'staging', name: 'api' } });
    expect(pipeline.stages[1].healthReason.message).toContain('1/2 replicas ready');
    // prod: a suspended Kustomization and a failed HelmRelease: FAILED is worse than SUSPENDED.
    expect(pipeline.stages[2].releases.map((r: any) => [r.name, r.health])).toEqual([['app', 'SUSPENDED'], ['web', 'FAILED']]);
    expect(pipeline.stages[2].healthReason).toMatchObject({ condition: 'Ready', object: { kind: 'HelmRelease', name: 'web' } });
    expect(pipeline.stages[2].healthReason.message).toContain('UpgradeFailed: timed out waiting for the condition');
    expect(pipeline).toMatchObject({ health: 'FAILED', firstUnhealthyStage: { name: 'staging' } });
  });

  it('calls digests and non-semver tags DIFFERENT, orders semver, and reports components only in one stage', async () => {
    const { pipeline } = expectNoErrors(await run(shop));
    const rows = pipeline.drift.map((d: any) => `${d.upstream.name}>${d.downstream.name} ${d.key} ${d.upstreamVersion}→${d.downstreamVersion} ${d.status}`);
    expect(rows).toEqual([
      'dev>staging image:Deployment/api/api 2.0.0→1.9.0 BEHIND',
      `dev>staging image:StatefulSet/db/db ${D1}→${D2} DIFFERENT`,
      'dev>staging image:DaemonSet/agent/agent latest→stable DIFFERENT',
      'dev>staging chart:redis null→18.0.0 MISSING_UPSTREAM',
      'dev>staging image:StatefulSet/cache-redis/redis null→7.2.0 MISSING_UPSTREAM',
      `staging>prod image:StatefulSet/db/db ${D2}→null MISSING_DOWNSTREAM`,
      'staging>prod image:DaemonSet/agent/agent stable→null MISSING_DOWNSTREAM',
      'staging>prod chart:redis 18.0.0→null MISSING_DOWNSTREAM',
      'staging>prod image:StatefulSet/cache-redis/redis 7.2.0→null MISSING_DOWNSTREAM',
      'staging>prod chart:web null→1.0.0 MISSING_UPSTREAM',
    ]);
    // No previous stage: nothing to be behind. Staging is behind dev only on the semver image.
    expect(pipeline.stages[0].behind).toEqual([]);
    expect(pipeline.stages[1].behind.map((d: any) => d.key)).toEqual(['image:Deployment/api/api']);
    // A chart whose Helm history is empty has a version (the last attempted one) but no since.
    expect(pipeline.stages[2].versions.find((v: any) => v.key === 'chart:web')).toMatchObject({ since: null, sinceSource: null });
  });

  it('lists what is not an error: a suspended release, a labelled release outside every stage', async () => {
    const { pipeline } = expectNoErrors(await run(shop));
    expect(pipeline.diagnostics.map((d: any) => [d.code, d.severity, d.object, d.stage?.name ?? null])).toEqual([
      ['RELEASE_SUSPENDED', 'WARNING', { kind: 'Kustomization', namespace: 'prod', name: 'app' }, 'prod'],
      ['RELEASE_OUTSIDE_STAGES', 'INFO', { kind: 'HelmRelease', namespace: 'elsewhere', name: 'stray' }, null],
    ]);
  });

  it('makes an unreadable stage UNKNOWN, leaves the pair it is in uncompared, and lists why', async () => {
    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to list Kustomization in namespace "staging".', { kind: 'Kustomization', namespace: 'staging' });
    const response = await run(shop, { 'Kustomization staging': forbidden });
    const pipeline = response.data!.pipeline;
    expect(pipeline.stages.map((s: any) => s.health)).toEqual(['HEALTHY', 'UNKNOWN', 'FAILED']);
    expect(pipeline.stages[1].healthReason.message).toContain('could not be read');
    // Both pairs touch staging: two nulls, each with its error, and no invented drift.
    expect(pipeline.drift).toEqual([null, null]);
    const driftErrors = response.errors!.filter((e) => e.path?.[1] === 'drift');
    expect(driftErrors.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['pipeline', 'drift', 0], 'FORBIDDEN'],
      [['pipeline', 'drift', 1], 'FORBIDDEN'],
    ]);
    expect(pipeline.stages[1].versions).toBeNull();
    expect(pipeline.stages[2].behind).toBeNull();
    expect(pipeline.diagnostics[0]).toMatchObject({ code: 'STAGE_UNREADABLE', severity: 'ERROR', stage: { name: 'staging' } });
    expect(pipeline.diagnostics[0].message).toContain('(FORBIDDEN)');
  });

  it('keeps what it knows of a release whose workloads cannot be read, and says the list is incomplete', async () => {
    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to list StatefulSet in namespace "staging".', { kind: 'StatefulSet', namespace: 'staging' });
    const response = await run(shop, { 'StatefulSet staging': forbidden });
    const staging = response.data!.pipeline.stages[1];
    // The Kustomization's images are unknown (null, with the error); the chart of the HelmRelease is still known.
    expect(staging.versions.map((v: any) => v?.key ?? null)).toEqual([null, 'chart:redis', null]);
    expect(staging.releases.map((r: any) => r.health)).toEqual(['UNKNOWN', 'UNKNOWN']);
    expect(response.data!.pipeline.drift).toEqual([null, null]);
    const paths = response.errors!.map((e) => e.path!.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['pipeline.stages.1.versions.0', 'pipeline.stages.1.versions.2', 'pipeline.drift.0', 'pipeline.drift.1']));
    expect(response.errors!.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
  });

  it('lists dangling refs, unsupported kinds, missing PipelineStages and missing namespaces', async () => {
    const objects = [
      ...['dev', 'flux-system'].map(namespaceObject),
      pipelineObject('refs', {
        stages: [
          { name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'Kustomization', name: 'gone' }, { kind: 'GitRepository', name: 'repo' }] },
          { name: 'qa', namespace: 'qa', order: 2, releaseRefs: [{ kind: 'HelmRelease', name: 'web' }] },
        ],
      }, 'v1alpha2'),
      pipelineObject('envs', { environments: [{ name: 'dev', stageRef: { name: 'missing', namespace: 'dev' } }] }, 'v1alpha3'),
      pipelineStage('dev', 'unused', []),
    ];
    const refs = (await run(objects, {}, 'CRD', 'refs')).data!.pipeline;
    expect(refs.diagnostics.map((d: any) => [d.code, d.object, d.stage.name])).toEqual([
      ['NAMESPACE_NOT_FOUND', { kind: 'Namespace', namespace: '', name: 'qa' }, 'qa'],
      ['RELEASE_NOT_FOUND', { kind: 'Kustomization', namespace: 'dev', name: 'gone' }, 'dev'],
      ['UNSUPPORTED_RELEASE_KIND', { kind: 'GitRepository', namespace: 'dev', name: 'repo' }, 'dev'],
      ['RELEASE_NOT_FOUND', { kind: 'HelmRelease', namespace: 'qa', name: 'web' }, 'qa'],
    ]);
    expect(refs.stages.map((s: any) => s.health)).toEqual(['UNKNOWN', 'UNKNOWN']);
    const envs = (await run(objects, {}, 'STAGE', 'envs')).data!.pipeline;
    expect(envs.diagnostics.map((d: any) => [d.code, d.object])).toEqual([['STAGE_NOT_FOUND', { kind: 'PipelineStage', namespace: 'dev', name: 'missing' }]]);
    expect(envs).toMatchObject({ health: 'UNKNOWN', firstUnhealthyStage: { name: 'dev' } });
  });

  it('reports a check it could not make (Namespaces forbidden) as a null with its error, keeping the rest', async () => {
    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to list Namespace.', { kind: 'Namespace' });
    const response = await run(shop, { 'Namespace *': forbidden });
    expect(response.data!.pipeline.diagnostics.map((d: any) => d?.code ?? null)).toEqual([null, 'RELEASE_SUSPENDED', 'RELEASE_OUTSIDE_STAGES']);
    expect(response.errors).toEqual([expect.objectContaining({ path: ['pipeline', 'diagnostics', 0], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
  });

  it('answers whereDeployed with what it could read and an error where it could not', async () => {
    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to list Kustomization in namespace "prod".', { kind: 'Kustomization', namespace: 'prod' });
    const response = await clientFor(appFor(fixtureSource(shop, { 'Kustomization prod': forbidden }))).query(
      `{ whereDeployed(image: "registry.local:5000/shop/api") { stage { name } workload { id } version } }`,
    );
    expect(response.data!.whereDeployed).toEqual([
      { stage: { name: 'dev' }, workload: { id: 'Deployment:dev/api' }, version: '2.0.0' },
      { stage: { name: 'staging' }, workload: { id: 'Deployment:staging/api' }, version: '1.9.0' },
      null,
    ]);
    expect(response.errors).toEqual([expect.objectContaining({ path: ['whereDeployed', 2], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
  });
});

describe('insights say why, word for word', () => {
  const run = async (objects: KubeObject[], failures: Record<string, PipelineApiError> = {}, approach = 'HYBRID', name = 'shop') =>
    clientFor(appFor(fixtureSource(objects, failures))).query(INSIGHTS, { approach, name });
  const reasons = (pipeline: any) => [pipeline.healthReason, ...pipeline.stages.map((s: any) => s.healthReason)];

  it('names the release, workload or stage behind each health, with its condition', async () => {
    const { pipeline } = expectNoErrors(await run(shop));
    const web = { message: 'HelmRelease prod/web is not ready: UpgradeFailed: timed out waiting for the condition.', object: { kind: 'HelmRelease', namespace: 'prod', name: 'web' }, condition: 'Ready' };
    expect(reasons(pipeline)).toEqual([
      web,
      { message: 'All 1 release of Stage dev (namespace dev) are healthy.', object: { kind: 'Stage', namespace: 'dev', name: 'dev' }, condition: null },
      {
        message: 'Deployment staging/api (of Kustomization staging/app) has 1/2 replicas ready and 2/2 updated.',
        object: { kind: 'Deployment', namespace: 'staging', name: 'api' },
        condition: null,
      },
      web,
    ]);
  });

  it('explains each diagnostic in a sentence', async () => {
    const { pipeline } = expectNoErrors(await run(shop));
    expect(pipeline.diagnostics.map((d: any) => d.message)).toEqual([
      'Kustomization prod/app in stage prod is suspended: Flux does not reconcile it, so it will not follow promotions.',
      'HelmRelease elsewhere/stray carries the label pipelines.wego.weave.works/name=shop but is in no stage namespace (dev, staging, prod), so the pipeline ignores it.',
    ]);
  });

  it('names the stage that cannot be compared, keeping the cause and its code', async () => {
    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to list Kustomization in namespace "staging".', { kind: 'Kustomization', namespace: 'staging' });
    const response = await run(shop, { 'Kustomization staging': forbidden });
    const compared = response.errors!.filter((e) => e.path!.includes('drift') || e.path!.includes('behind'));
    expect(compared.map((e) => [e.path!.join('.'), e.message, e.extensions?.code, e.extensions?.kind, e.extensions?.namespace])).toEqual(
      ['pipeline.stages.1.behind', 'pipeline.drift.0', 'pipeline.drift.1', 'pipeline.stages.2.behind'].map((path) => [
        path,
        'Stage staging cannot be compared: what it runs could not be read completely. Not allowed to list Kustomization in namespace "staging".',
        'FORBIDDEN',
        'Kustomization',
        'staging',
      ]),
    );
    expect(response.data!.pipeline.diagnostics[0]).toEqual({
      code: 'STAGE_UNREADABLE',
      severity: 'ERROR',
      message: 'Not allowed to list Kustomization in namespace "staging". (FORBIDDEN)',
      object: { kind: 'Kustomization', namespace: 'staging', name: '' },
      stage: { name: 'staging' },
    });
  });

  const refsObjects = [
    ...['dev', 'flux-system'].map(namespaceObject),
    pipelineObject('refs', { stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'HelmRelease', name: 'web' }, { kind: 'Kustomization', name: 'app' }] }] }, 'v1alpha2'),
    chartRelease('dev', 'web', 'web', '1.0.0'),
    kustomization('dev', 'app'),
  ];

  it('calls a release that could not be read RELEASE_UNREADABLE, naming it and the code', async () => {
    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to get HelmRelease dev/web.', { kind: 'HelmRelease', namespace: 'dev', name: 'web' });
    const { pipeline } = (await run(refsObjects, { 'HelmRelease dev': forbidden }, 'CRD', 'refs')).data!;
    expect(pipeline.diagnostics).toEqual([
      {
        code: 'RELEASE_UNREADABLE',
        severity: 'ERROR',
        message: 'Not allowed to get HelmRelease dev/web. (FORBIDDEN)',
        object: { kind: 'HelmRelease', namespace: 'dev', name: 'web' },
        stage: { name: 'dev' },
      },
    ]);
    expect(pipeline.stages[0].healthReason).toEqual({
      message: 'A release of Stage dev (namespace dev) could not be read: Not allowed to get HelmRelease dev/web.',
      object: { kind: 'Stage', namespace: 'dev', name: 'dev' },
      condition: null,
    });
  });

  it('says only that the stage could not be read when the failure is not one of ours (no internals leak)', async () => {
    const response = await run(refsObjects, { 'HelmRelease dev': new Error('socket hang up 10.0.0.1') as PipelineApiError }, 'CRD', 'refs');
    expect(response.data!.pipeline.diagnostics).toEqual([
      { code: 'STAGE_UNREADABLE', severity: 'ERROR', message: 'Stage dev could not be read.', object: null, stage: { name: 'dev' } },
    ]);
    expect(response.data!.pipeline.stages[0].healthReason.message).toBe('A release of Stage dev (namespace dev) could not be read: Unexpected error.');
    expect(JSON.stringify(response)).not.toContain('10.0.0.1');
  });

  it('lists no outside releases when helm-controller is not installed, and a null with its error when they cannot be listed', async () => {
    const notInstalled = new PipelineApiError('CRD_NOT_INSTALLED', 'HelmRelease is not installed.', { kind: 'HelmRelease' });
    const quiet = expectNoErrors(await run(shop, { 'HelmRelease *': notInstalled })).pipeline;
    expect(quiet.diagnostics.map((d: any) => d.code)).toEqual(['RELEASE_SUSPENDED']);
    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to list HelmRelease.', { kind: 'HelmRelease' });
    const response = await run(shop, { 'HelmRelease *': forbidden });
    expect(response.data!.pipeline.diagnostics.map((d: any) => d?.code ?? null)).toEqual(['RELEASE_SUSPENDED', null]);
    expect(response.errors!.map((e) => [e.path!.join('.'), e.message, e.extensions?.code])).toEqual([
      ['pipeline.diagnostics.1', 'Not allowed to list HelmRelease.', 'FORBIDDEN'],
    ]);
  });

  it('reports no missing namespace when the source lists no Namespace at all', async () => {
    const objects = refsObjects.filter((o) => o.kind !== 'Namespace');
    const stages = [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'HelmRelease', name: 'web' }] }, { name: 'qa', namespace: 'qa', order: 2, releaseRefs: [{ kind: 'HelmRelease', name: 'web' }] }];
    const withQa = [...objects.filter((o) => o.kind !== 'Pipeline'), pipelineObject('refs', { stages }, 'v1alpha2')];
    const diagnostics = (await run(withQa, {}, 'CRD', 'refs')).data!.pipeline.diagnostics;
    expect(diagnostics.map((d: any) => d.code)).toEqual(['RELEASE_NOT_FOUND']);
    const withNamespaces = (await run([...withQa, namespaceObject('dev')], {}, 'CRD', 'refs')).data!.pipeline.diagnostics;
    expect(withNamespaces[0]).toEqual({
      code: 'NAMESPACE_NOT_FOUND',
      severity: 'ERROR',
      message: 'Stage qa deploys to namespace "qa", which does not exist.',
      object: { kind: 'Namespace', namespace: '', name: 'qa' },
      stage: { name: 'qa' },
    });
  });
});

describe('insights: refetch by id, whereDeployed and outside releases, at their edges', () => {
  const client = (objects: KubeObject[], failures: Record<string, PipelineApiError> = {}) => clientFor(appFor(fixtureSource(objects, failures)));

  it('answers node null for a workload, image or definition that is gone, and for a broken definition', async () => {
    const broken = pipelineObject('broken', { stages: [{ name: 'dev', namespace: 'dev', order: 0 }] });
    const data = expectNoErrors(
      await client([...shop, broken]).query(`{
        a: node(id: "Deployment:dev/nope") { id }
        b: node(id: "Deployment:dev/nope:container:api") { id }
        c: node(id: "ConfigMap:flux-system/nope") { id }
        d: node(id: "Pipeline:HYBRID:flux-system/broken") { id }
        e: node(id: "Pipeline:HYBRID:flux-system/broken:stage:dev") { id }
        f: node(id: "Pipeline:flux-system/shop") { id }
        g: node(id: "GitRepository:flux-system/anything") { id }
        h: node(id: "StatefulSet:dev/db:container:db") { ... on Image { container digest } }
        i: node(id: "HelmRelease:staging/cache") { ... on HelmRelease { name chartName } }
        j: node(id: "Pipeline:HYBRID:flux-system/shop:stage:staging") { ... on Stage { name namespace } }
      }`),
    );
    expect(data).toEqual({
      a: null,
      b: null,
      c: null,
      d: null,
      e: null,
      f: { id: 'Pipeline:flux-system/shop' },
      // Sources are not read: the reference is all the id says.
      g: { id: 'GitRepository:flux-system/anything' },
      h: { container: 'db', digest: D1 },
      i: { name: 'cache', chartName: 'redis' },
      j: { name: 'staging', namespace: 'staging' },
    });
  });

  it('answers node with the error, not null, when the definition cannot be read', async () => {
    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to list Pipeline in namespace "flux-system".', { kind: 'Pipeline', namespace: 'flux-system' });
    const response = await client(shop, { 'Pipeline flux-system': forbidden }).query(`{ node(id: "Pipeline:HYBRID:flux-system/shop") { id } }`);
    expect(response.data).toEqual({ node: null });
    expect(response.errors!.map((e) => [e.message, e.extensions?.code])).toEqual([['Not allowed to list Pipeline in namespace "flux-system".', 'FORBIDDEN']]);
  });

  it('gives an image run by digest its digest as the version, and a chart its chart version', async () => {
    const images = expectNoErrors(await client(shop).query(`{ whereDeployed(image: "postgres") { stage { name } workload { id } image { container } version } }`));
    expect(images.whereDeployed).toEqual([
      { stage: { name: 'dev' }, workload: { id: 'StatefulSet:dev/db' }, image: { container: 'db' }, version: D1 },
      { stage: { name: 'staging' }, workload: { id: 'StatefulSet:staging/db' }, image: { container: 'db' }, version: D2 },
    ]);
    const charts = expectNoErrors(await client(shop).query(`{ whereDeployed(chart: "redis") { stage { name } release { name } workload { id } image { container } version } }`));
    expect(charts.whereDeployed).toEqual([{ stage: { name: 'staging' }, release: { name: 'cache' }, workload: null, image: null, version: '18.0.0' }]);
  });

  it('lists releases outside every stage sorted by namespace, then name, of each kind', async () => {
    const strays = [helmRelease('zz', 'b', label), helmRelease('aa', 'z', label), helmRelease('aa', 'c', label), kustomization('mm', 'k', label), kustomization('mm', 'k2', { other: 'x' })];
    const { pipeline } = expectNoErrors(await client([...shop.filter((o) => o.metadata.namespace !== 'elsewhere'), ...strays]).query(INSIGHTS, { approach: 'HYBRID', name: 'shop' }));
    expect(pipeline.diagnostics.filter((d: any) => d.code === 'RELEASE_OUTSIDE_STAGES').map((d: any) => `${d.object.kind} ${d.object.namespace}/${d.object.name}`)).toEqual([
      'Kustomization mm/k',
      'HelmRelease aa/c',
      'HelmRelease aa/z',
      'HelmRelease zz/b',
    ]);
  });

  it('lists no outside releases for a pipeline whose stages name their releases', async () => {
    const objects = [
      namespaceObject('dev'),
      pipelineObject('shop', { stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'HelmRelease', name: 'web' }] }] }, 'v1alpha2'),
      chartRelease('dev', 'web', 'web', '1.0.0'),
      helmRelease('elsewhere', 'stray', label),
    ];
    const { pipeline } = expectNoErrors(await client(objects).query(INSIGHTS, { approach: 'CRD', name: 'shop' }));
    expect(pipeline.diagnostics).toEqual([]);
  });

  it('keeps an unexpected failure masked in drift too: no internal message leaks through the comparison', async () => {
    const response = await client(shop, { 'Kustomization staging': new Error('connect ECONNREFUSED 10.0.0.7:443') as PipelineApiError }).query(INSIGHTS, { approach: 'HYBRID', name: 'shop' });
    expect(response.data!.pipeline.drift).toEqual([null, null]);
    const driftErrors = response.errors!.filter((e) => e.path?.[1] === 'drift');
    expect(driftErrors.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['Unexpected error.', 'INTERNAL_SERVER_ERROR'],
      ['Unexpected error.', 'INTERNAL_SERVER_ERROR'],
    ]);
    expect(response.data!.pipeline.stages[1].healthReason.message).toBe('Stage staging (namespace staging) could not be read: Unexpected error.');
    expect(JSON.stringify(response)).not.toContain('10.0.0.7');
  });
});
