// What the demo keeps constant, varied: every answer over test/fixtures/varied, a snapshot
// loaded through the public source-loading path (--source <dir>), asked for through
// GraphQL documents. Each expectation names the README promise it holds.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '../src/cluster/create-source.js';
import type { App } from '../src/server/create-app.js';
import { appFor } from './support/demo-app.js';
import { clientFor, expectNoErrors, type GraphQLClient } from './support/graphql-client.js';
import { PIPELINE_QUERY } from './queries/demo-expectations.js';

export const VARIED_FIXTURE = fileURLToPath(new URL('./fixtures/varied', import.meta.url));

type Json = Record<string, any>;

const sha = (c: string) => `main@sha1:${c.repeat(40)}`;
const image = (workloadId: string, container: string, init: boolean, reference: string, repository: string, tag: string | null, digest: string | null = null) => ({
  id: `${workloadId}:container:${container}`,
  container,
  init,
  reference,
  repository,
  tag,
  digest,
});
const workload = (namespace: string, name: string, counts: [number, number, number, number], images: (id: string) => Json[]) => {
  const id = `Deployment:${namespace}/${name}`;
  const [replicas, readyReplicas, updatedReplicas, availableReplicas] = counts;
  return { id, kind: 'Deployment', name, namespace, replicas, readyReplicas, updatedReplicas, availableReplicas, images: images(id) };
};

const WEB = workload('alpha', 'web', [2, 2, 2, 2], (id) => [
  image(id, 'migrate', true, 'ghcr.io/acme/migrate:1.0', 'ghcr.io/acme/migrate', '1.0'),
  image(id, 'web', false, 'registry.local:5000/acme/web:2.1', 'registry.local:5000/acme/web', '2.1'),
]);
const DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const API = workload('other', 'api', [4, 3, 1, 2], (id) => [image(id, 'api', false, `ghcr.io/acme/api@${DIGEST}`, 'ghcr.io/acme/api', null, DIGEST)]);
const TARGET_APP = workload('alpha-apps', 'target-app', [3, 1, 2, 1], (id) => [
  image(id, 'app', false, 'ghcr.io/acme/target:3.0', 'ghcr.io/acme/target', '3.0'),
  image(id, 'proxy', false, 'envoy', 'envoy', null),
]);
const AUX = workload('alpha-apps', 'aux', [0, 0, 0, 0], (id) => [image(id, 'aux', false, 'aux:0.1', 'aux', '0.1')]);
const H_V2_PODINFO = workload('alpha', 'h-v2-podinfo', [5, 5, 4, 3], (id) => [
  image(id, 'podinfo', false, 'ghcr.io/stefanprodan/podinfo:6.2.1', 'ghcr.io/stefanprodan/podinfo', '6.2.1'),
]);
const CACHE_REDIS = workload('alpha-apps', 'cache-redis', [1, 0, 0, 0], (id) => [image(id, 'redis', false, 'redis', 'redis', null)]);

const readiness = (status: string | null, reason: string | null, message: string | null, time: string | null = null) => ({
  ready: status === 'True',
  readyStatus: status,
  readyReason: reason,
  readyMessage: message,
  readyTransitionTime: time,
});

const kustomization = (namespace: string, name: string, version: string, fields: Json) => ({
  __typename: 'Kustomization',
  id: `Kustomization:${namespace}/${name}`,
  kind: 'Kustomization',
  name,
  namespace,
  apiVersion: `kustomize.toolkit.fluxcd.io/${version}`,
  suspended: false,
  revision: null,
  lastAttemptedRevision: null,
  version: null,
  path: null,
  targetNamespace: null,
  sourceRef: null,
  workloads: [],
  ...fields,
});

const helmRelease = (namespace: string, name: string, version: string, fields: Json) => ({
  __typename: 'HelmRelease',
  id: `HelmRelease:${namespace}/${name}`,
  kind: 'HelmRelease',
  name,
  namespace,
  apiVersion: `helm.toolkit.fluxcd.io/${version}`,
  suspended: false,
  revision: null,
  lastAttemptedRevision: null,
  version: null,
  chartName: null,
  chartVersion: null,
  desiredChartVersion: null,
  appVersion: null,
  helmRevision: null,
  releaseName: null,
  workloads: [],
  ...fields,
});

/** Every field PIPELINE_QUERY selects, for every release in the fixture that can join a stage. */
export const RELEASES = {
  // Ready is not the first condition; a Reconciling=True condition before it must not be read as Ready.
  // Inventory (two namespaces, a gone Deployment, non-Deployments, malformed ids) wins over labels.
  'k-v1': kustomization('alpha', 'k-v1', 'v1', {
    ...readiness('Unknown', 'Progressing', 'Reconciliation in progress', '2026-11-02T09:00:00Z'),
    revision: sha('a'),
    version: sha('a'),
    lastAttemptedRevision: sha('b'),
    path: './apps/alpha',
    sourceRef: { id: 'GitRepository:alpha/apps', kind: 'GitRepository', name: 'apps', namespace: 'alpha' },
    workloads: [WEB, API],
  }),
  // Stalled, Ready=False, never applied; targetNamespace decides where labelled workloads are looked for.
  'k-v1beta2': kustomization('alpha', 'k-v1beta2', 'v1beta2', {
    ...readiness('False', 'BuildFailed', 'kustomize build failed', '2026-11-03T09:00:00Z'),
    lastAttemptedRevision: sha('c'),
    path: './apps/target',
    targetNamespace: 'alpha-apps',
    sourceRef: { id: 'OCIRepository:flux-system/manifests', kind: 'OCIRepository', name: 'manifests', namespace: 'flux-system' },
    workloads: [AUX, TARGET_APP],
  }),
  // Suspended; an empty inventory is an inventory: no workloads, even though a labelled Deployment exists.
  'k-v1beta1': kustomization('alpha', 'k-v1beta1', 'v1beta1', {
    ...readiness('True', 'ReconciliationSucceeded', 'Applied', '2026-11-04T09:00:00Z'),
    suspended: true,
    path: './apps/legacy',
  }),
  'k-unlabelled': kustomization('alpha', 'k-unlabelled', 'v1', {
    ...readiness('True', 'ReconciliationSucceeded', 'Applied'),
    revision: sha('d'),
    version: sha('d'),
    path: './apps/unlabelled',
    sourceRef: { id: 'GitRepository:alpha/apps', kind: 'GitRepository', name: 'apps', namespace: 'alpha' },
  }),
  // No status at all: not ready, and no Ready status to report.
  'k-no-status': kustomization('beta', 'k-no-status', 'v1', { ...readiness(null, null, null), path: './apps/beta' }),
  // Ready=False; history[0] (newest) gives the versions and the release name, not history[1] or spec.
  'h-v2': helmRelease('alpha', 'h-v2', 'v2', {
    ...readiness('False', 'UpgradeFailed', 'Helm upgrade failed', '2026-11-05T09:00:00Z'),
    revision: '6.2.0',
    version: '6.2.0',
    chartVersion: '6.2.0',
    lastAttemptedRevision: '6.3.0',
    chartName: 'podinfo',
    desiredChartVersion: '>=6.0.0',
    appVersion: '6.2.1',
    helmRevision: 4,
    releaseName: 'h-v2-release',
    workloads: [H_V2_PODINFO],
  }),
  // Ready after another condition; no history, no lastAppliedRevision: the last attempted revision
  // is the version, chart and release names come from spec; workloads from targetNamespace.
  'h-v2beta2': helmRelease('alpha', 'h-v2beta2', 'v2beta2', {
    ...readiness('True', 'InstallSucceeded', 'installed'),
    version: '2.0.0',
    chartVersion: '2.0.0',
    lastAttemptedRevision: '2.0.0',
    chartName: 'redis',
    desiredChartVersion: '2.x',
    releaseName: 'cache',
    workloads: [CACHE_REDIS],
  }),
  // v2beta1 records the applied chart version as lastAppliedRevision; suspended.
  'h-v2beta1': helmRelease('alpha', 'h-v2beta1', 'v2beta1', {
    ...readiness('True', 'ReconciliationSucceeded', 'done'),
    suspended: true,
    revision: '1.4.2',
    version: '1.4.2',
    chartVersion: '1.4.2',
    lastAttemptedRevision: '1.5.0',
    chartName: 'legacy',
    desiredChartVersion: '1.4.x',
  }),
  'h-beta': helmRelease('beta', 'h-beta', 'v2', {
    ...readiness(null, 'UpgradeSucceeded', 'upgraded'),
    revision: '6.0.0',
    version: '6.0.0',
    chartVersion: '6.0.0',
    chartName: 'podinfo',
    desiredChartVersion: '6.0.0',
    appVersion: '6.0.0',
    helmRevision: 1,
    releaseName: 'h-beta',
  }),
};
type ReleaseName = keyof typeof RELEASES;

const stage = (pipelineId: string, name: string, namespace: string, order: number, cluster: string | null, releases: ReleaseName[]) => ({
  id: `${pipelineId}:stage:${name}`,
  name,
  namespace,
  order,
  cluster,
  releases: releases.map((r) => RELEASES[r]),
});

/** HYBRID and CM: the labelled releases of each stage namespace, Kustomizations first, each kind by name. */
const labelledPipeline = (approach: 'HYBRID' | 'CM', kind: 'Pipeline' | 'ConfigMap') => {
  const id = `Pipeline:${approach}:flux-system/varied`;
  return {
    id,
    name: 'varied',
    namespace: 'flux-system',
    approach,
    definedBy: { id: `${kind}:flux-system/varied`, kind, namespace: 'flux-system', name: 'varied' },
    stages: [
      stage(id, 'dev', 'alpha', 1, 'east-1', ['k-v1', 'k-v1beta1', 'k-v1beta2', 'h-v2', 'h-v2beta1', 'h-v2beta2']),
      stage(id, 'prod', 'beta', 2, null, ['k-no-status', 'h-beta']),
    ],
  };
};

describe('the varied fixture (a snapshot directory through --source)', () => {
  let app: App;
  let client: GraphQLClient;

  beforeAll(async () => {
    app = appFor(await createSource({ type: 'snapshot', path: VARIED_FIXTURE }));
    client = clientFor(app);
  });

  const pipeline = async (approach: string, name: string) => expectNoErrors(await client.query(PIPELINE_QUERY, { approach, name })).pipeline;

  it('HYBRID: only labelled releases in each stage namespace join, every field as Flux recorded it', async () => {
    // Not joining: k-unlabelled (no label), k-other-pipeline (another pipeline's label),
    // h-lookalike (a look-alike label key), k-intruder (labelled, but in no stage namespace).
    expect(await pipeline('HYBRID', 'varied')).toEqual(labelledPipeline('HYBRID', 'Pipeline'));
  });

  it('CM: the same answer from a ConfigMap definition', async () => {
    expect(await pipeline('CM', 'varied')).toEqual(labelledPipeline('CM', 'ConfigMap'));
  });

  it('CRD: listed releases join whatever their labels, in listed order, with the stage cluster', async () => {
    const id = 'Pipeline:CRD:flux-system/varied-crd';
    expect(await pipeline('CRD', 'varied-crd')).toEqual({
      id,
      name: 'varied-crd',
      namespace: 'flux-system',
      approach: 'CRD',
      definedBy: { id: 'Pipeline:flux-system/varied-crd', kind: 'Pipeline', namespace: 'flux-system', name: 'varied-crd' },
      stages: [stage(id, 'dev', 'alpha', 1, 'east-1', ['h-v2beta1', 'k-unlabelled']), stage(id, 'prod', 'beta', 2, null, ['k-no-status'])],
    });
  });

  it('STAGE: each environment reads the PipelineStage it names, in the namespace it names, among several', async () => {
    // alpha holds ps-first and ps-second, beta ps-prod and ps-second: matching by namespace
    // alone, or by name alone, would answer other releases.
    const id = 'Pipeline:STAGE:flux-system/varied-stage';
    expect(await pipeline('STAGE', 'varied-stage')).toEqual({
      id,
      name: 'varied-stage',
      namespace: 'flux-system',
      approach: 'STAGE',
      definedBy: { id: 'Pipeline:flux-system/varied-stage', kind: 'Pipeline', namespace: 'flux-system', name: 'varied-stage' },
      stages: [stage(id, 'dev', 'alpha', 1, null, ['h-v2', 'k-unlabelled']), stage(id, 'prod', 'beta', 2, null, ['k-no-status'])],
    });
  });

  it('pipelines: ConfigMaps without a data.pipelines key are not CM definitions', async () => {
    const data = expectNoErrors(await client.query('{ pipelines(approach: CM) { id name } }'));
    expect(data.pipelines).toEqual([{ id: 'Pipeline:CM:flux-system/varied', name: 'varied' }]);
  });

  it('pipelines: every approach, each definition once, under its own approach', async () => {
    const data = expectNoErrors(await client.query('{ pipelines { approach namespace name stages { name order cluster } } }'));
    const two = (cluster: string | null) => [
      { name: 'dev', order: 1, cluster },
      { name: 'prod', order: 2, cluster: null },
    ];
    expect(data.pipelines).toEqual([
      // Approach by approach; within one, by namespace and name.
      { approach: 'HYBRID', namespace: 'flux-system', name: 'varied', stages: two('east-1') },
      { approach: 'HYBRID', namespace: 'team-a', name: 'team-pipeline', stages: [{ name: 'beta', order: 1, cluster: null }] },
      { approach: 'CRD', namespace: 'flux-system', name: 'varied-crd', stages: two('east-1') },
      { approach: 'STAGE', namespace: 'flux-system', name: 'varied-stage', stages: two(null) },
      { approach: 'CM', namespace: 'flux-system', name: 'varied', stages: two('east-1') },
    ]);
  });

  it('pipelines(namespace: null) looks in every namespace, as when it is omitted', async () => {
    const omitted = expectNoErrors(await client.query('{ pipelines { id } }'));
    expect(omitted.pipelines.map((p: { id: string }) => p.id)).toContain('Pipeline:HYBRID:team-a/team-pipeline');
    expect(expectNoErrors(await client.query('{ pipelines(namespace: null) { id } }'))).toEqual(omitted);
    expect(expectNoErrors(await client.query('query($ns: String) { pipelines(namespace: $ns) { id } }', { ns: null }))).toEqual(omitted);
  });

  it('pipelines(namespace) and pipeline(namespace) look only in that namespace', async () => {
    const inTeam = expectNoErrors(await client.query('{ pipelines(namespace: "team-a") { id } }'));
    expect(inTeam.pipelines).toEqual([{ id: 'Pipeline:HYBRID:team-a/team-pipeline' }]);
    const inFlux = expectNoErrors(await client.query('{ pipelines(approach: HYBRID, namespace: "flux-system") { id } }'));
    expect(inFlux.pipelines).toEqual([{ id: 'Pipeline:HYBRID:flux-system/varied' }]);
    const one = expectNoErrors(
      await client.query('{ pipeline(approach: HYBRID, name: "team-pipeline", namespace: "team-a") { id stages { releases { name version } } } }'),
    );
    expect(one.pipeline).toEqual({
      id: 'Pipeline:HYBRID:team-a/team-pipeline',
      stages: [{ releases: [{ name: 'k-team', version: 'team@sha1:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee' }] }],
    });
    // The namespace argument defaults to flux-system.
    const missing = await client.query('{ pipeline(approach: HYBRID, name: "team-pipeline") { id } }');
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'PIPELINE_NOT_FOUND', namespace: 'flux-system', name: 'team-pipeline' });
  });

  it('answers PIPELINE_NOT_FOUND for a ConfigMap that has no data.pipelines key, naming why', async () => {
    const response = await client.query('{ pipeline(approach: CM, name: "app-settings") { name } }');
    expect(response.data?.pipeline).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]).toMatchObject({
      path: ['pipeline'],
      message:
        'No CM pipeline named "app-settings" in namespace "flux-system": ConfigMap flux-system/app-settings has no data.pipelines key, so it does not define a pipeline.',
      extensions: { code: 'PIPELINE_NOT_FOUND', kind: 'ConfigMap', namespace: 'flux-system', name: 'app-settings' },
    });
  });

  it.each([
    ['HYBRID', 'varied-crd', 'CRD'],
    ['HYBRID', 'varied-stage', 'STAGE'],
    ['CRD', 'varied', 'HYBRID'],
    ['STAGE', 'varied-crd', 'CRD'],
  ])('answers PIPELINE_NOT_FOUND for %s %s, which is a %s pipeline', async (approach, name, actual) => {
    const response = await client.query(`{ pipeline(approach: ${approach}, name: "${name}") { name } }`);
    expect(response.data?.pipeline).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.message).toBe(
      `No ${approach} pipeline named "${name}" in namespace "flux-system": Pipeline flux-system/${name} is a ${actual} pipeline, not ${approach}.`,
    );
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'PIPELINE_NOT_FOUND', kind: 'Pipeline', namespace: 'flux-system', name });
  });
});
