import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/server/create-app.js';
import { PipelineApiError } from '../src/errors.js';
import { appFor } from './support/demo-app.js';
import {
  configMap,
  deployment,
  fixtureSource,
  helmRelease,
  kustomization,
  PIPELINE_LABEL,
  pipelineObject,
  pipelineStage,
} from './support/fixtures.js';
import { clientFor } from './support/graphql-client.js';

const QUERY = `query P($approach: Approach!, $name: String!) {
  pipeline(approach: $approach, name: $name) {
    name
    stages { name releases { kind name namespace workloads { name } } }
  }
}`;

const stage = (name: string, order: number, releaseRefs?: unknown) => ({ name, namespace: name, order, ...(releaseRefs ? { releaseRefs } : {}) });
const label = { [PIPELINE_LABEL]: 'labelled' };

const world = [
  pipelineObject('refs-pipeline', {
    stages: [
      stage('dev', 1, [
        { kind: 'HelmRelease', name: 'web' },
        { kind: 'Kustomization', name: 'gone' },
        { kind: 'GitRepository', name: 'repo' },
      ]),
      stage('staging', 2, [{ kind: 'Kustomization', name: 'app' }]),
    ],
  }, 'v1alpha2'),
  pipelineObject('stage-pipeline', {
    environments: [
      { name: 'dev', stageRef: { name: 'ps-dev', namespace: 'dev' } },
      { name: 'staging', stageRef: { name: 'ps-missing', namespace: 'staging' } },
      { name: 'prod', stageRef: { name: 'ps-prod', namespace: 'prod' } },
    ],
  }, 'v1alpha3'),
  pipelineStage('dev', 'ps-dev', [{ kind: 'Kustomization', name: 'app' }]),
  pipelineStage('prod', 'ps-prod', [{ kind: 'Kustomization', name: 'app' }]),
  pipelineObject('labelled', { stages: [stage('dev', 1), stage('staging', 2), stage('prod', 3)] }),
  ...['dev', 'staging', 'prod'].flatMap((ns) => [
    kustomization(ns, 'app', label),
    deployment(ns, 'app', { 'kustomize.toolkit.fluxcd.io/name': 'app', 'kustomize.toolkit.fluxcd.io/namespace': ns }, [{ name: 'c', image: 'app:1' }]),
  ]),
  helmRelease('dev', 'web', label),
];

const forbidden = (kind: string, namespace: string) =>
  new PipelineApiError('FORBIDDEN', `Not allowed to list ${kind} in namespace "${namespace}".`, { kind, namespace });

describe('partial results', () => {
  it('resolves a dangling and an unsupported releaseRef to null at their exact paths, keeping the rest', async () => {
    const client = clientFor(appFor(fixtureSource(world)));
    const response = await client.query(QUERY, { approach: 'CRD', name: 'refs-pipeline' });
    const stages = response.data!.pipeline.stages;
    expect(stages[0].releases).toEqual([{ kind: 'HelmRelease', name: 'web', namespace: 'dev', workloads: [] }, null, null]);
    expect(stages[1].releases).toEqual([{ kind: 'Kustomization', name: 'app', namespace: 'staging', workloads: [{ name: 'app' }] }]);
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['pipeline', 'stages', 0, 'releases', 1],
        message: 'Kustomization dev/gone is referenced by the pipeline but does not exist.',
        extensions: expect.objectContaining({ code: 'RELEASE_NOT_FOUND', kind: 'Kustomization', namespace: 'dev', name: 'gone' }),
      }),
      expect.objectContaining({
        path: ['pipeline', 'stages', 0, 'releases', 2],
        message: 'GitRepository dev/repo: kind "GitRepository" is not supported; releaseRefs may name Kustomization or HelmRelease.',
        extensions: expect.objectContaining({ code: 'UNSUPPORTED_RELEASE_KIND', kind: 'GitRepository', namespace: 'dev', name: 'repo' }),
      }),
    ]);
  });

  it('nulls only the releases of a stage whose PipelineStage is missing', async () => {
    const client = clientFor(appFor(fixtureSource(world)));
    const response = await client.query(QUERY, { approach: 'STAGE', name: 'stage-pipeline' });
    const stages = response.data!.pipeline.stages;
    expect(stages.map((s: any) => s.name)).toEqual(['dev', 'staging', 'prod']);
    expect(stages[0].releases).toHaveLength(1);
    expect(stages[1].releases).toBeNull();
    expect(stages[2].releases).toHaveLength(1);
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['pipeline', 'stages', 1, 'releases'],
        message: 'Stage "staging" points at PipelineStage staging/ps-missing, which does not exist.',
        extensions: expect.objectContaining({ code: 'STAGE_NOT_FOUND', kind: 'PipelineStage', namespace: 'staging', name: 'ps-missing' }),
      }),
    ]);
  });

  it('treats HelmReleases as absent for label membership when helm-controller is not installed', async () => {
    const notInstalled = new PipelineApiError('CRD_NOT_INSTALLED', 'The HelmRelease CRD is not installed in this cluster.', { kind: 'HelmRelease' });
    const source = fixtureSource(world, { 'HelmRelease dev': notInstalled });
    const response = await clientFor(appFor(source)).query(QUERY, { approach: 'HYBRID', name: 'labelled' });
    expect(response.errors).toBeUndefined();
    expect(response.data!.pipeline.stages[0].releases.map((r: any) => `${r.kind}/${r.name}`)).toEqual(['Kustomization/app']);
  });

  it('fails a listed release whose kind cannot be read at its own index, keeping its siblings', async () => {
    const source = fixtureSource(world, { 'HelmRelease dev': forbidden('HelmRelease', 'dev') });
    const response = await clientFor(appFor(source)).query(QUERY, { approach: 'CRD', name: 'refs-pipeline' });
    expect(response.data!.pipeline.stages[0].releases).toEqual([null, null, null]);
    expect(response.data!.pipeline.stages[1].releases).toEqual([{ kind: 'Kustomization', name: 'app', namespace: 'staging', workloads: [{ name: 'app' }] }]);
    expect(response.errors!.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['pipeline', 'stages', 0, 'releases', 0], 'FORBIDDEN'],
      [['pipeline', 'stages', 0, 'releases', 1], 'RELEASE_NOT_FOUND'],
      [['pipeline', 'stages', 0, 'releases', 2], 'UNSUPPORTED_RELEASE_KIND'],
    ]);
    expect(response.errors![0]!.message).toBe('Not allowed to list HelmRelease in namespace "dev".');
  });

  it('reports a namespace the service may not read as FORBIDDEN on that stage only', async () => {
    const source = fixtureSource(world, { 'Kustomization prod': forbidden('Kustomization', 'prod') });
    const response = await clientFor(appFor(source)).query(QUERY, { approach: 'HYBRID', name: 'labelled' });
    const stages = response.data!.pipeline.stages;
    expect(stages[0].releases.map((r: any) => `${r.kind}/${r.name}`)).toEqual(['Kustomization/app', 'HelmRelease/web']);
    expect(stages[1].releases).toHaveLength(1);
    expect(stages[2].releases).toBeNull();
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['pipeline', 'stages', 2, 'releases'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN', kind: 'Kustomization', namespace: 'prod' }),
      }),
    ]);
  });

  it('keeps a release whose Deployments cannot be read, with workloads null and an error there', async () => {
    const source = fixtureSource(world, { 'Deployment staging': forbidden('Deployment', 'staging') });
    const response = await clientFor(appFor(source)).query(QUERY, { approach: 'HYBRID', name: 'labelled' });
    const release = response.data!.pipeline.stages[1].releases[0];
    expect(release).toEqual({ kind: 'Kustomization', name: 'app', namespace: 'staging', workloads: null });
    expect(response.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['pipeline', 'stages', 1, 'releases', 0, 'workloads'], 'FORBIDDEN'],
    ]);
  });

  it('lists every valid pipeline when one definition is broken, and reports the broken one at its index', async () => {
    const broken = configMap('broken', { pipelines: 'stages:\n  - name: dev\n    namespace: dev\n    order: one\n' });
    const source = fixtureSource([...world, broken]);
    const response = await clientFor(appFor(source)).query('{ pipelines(namespace: "flux-system") { approach name } }');
    const list = response.data!.pipelines;
    const index = list.indexOf(null);
    expect(list.filter(Boolean)).toEqual(
      expect.arrayContaining([
        { approach: 'HYBRID', name: 'labelled' },
        { approach: 'CRD', name: 'refs-pipeline' },
        { approach: 'STAGE', name: 'stage-pipeline' },
      ]),
    );
    expect(list.filter((p: unknown) => p === null)).toHaveLength(1);
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['pipelines', index],
        message: 'ConfigMap flux-system/broken is not a valid pipeline definition: data.pipelines: stages[0].order: expected an integer, got "one"',
        extensions: expect.objectContaining({ code: 'INVALID_PIPELINE_DEFINITION', kind: 'ConfigMap', namespace: 'flux-system', name: 'broken' }),
      }),
    ]);
  });

  it('keeps other approaches working when one approach\'s kind cannot be listed (e.g. its CRD is missing)', async () => {
    const missing = new PipelineApiError('CRD_NOT_INSTALLED', 'The Pipeline CRD (pipelines.wego.weave.works) is not installed in this cluster: run `make install` to install it.', { kind: 'Pipeline' });
    const source = fixtureSource([...world, configMap('cm-pipeline', { pipelines: 'stages:\n  - {name: dev, namespace: dev, order: 1}\n' })], {
      'Pipeline *': missing,
    });
    const response = await clientFor(appFor(source)).query('{ pipelines { approach name } }');
    // HYBRID, CRD and STAGE share the one failed Pipeline read: one null, one error, not three.
    expect(response.data!.pipelines).toEqual([null, { approach: 'CM', name: 'cm-pipeline' }]);
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]).toMatchObject({ path: ['pipelines', 0], extensions: { code: 'CRD_NOT_INSTALLED', kind: 'Pipeline' } });
    expect(response.errors?.[0]?.message).toContain('make install');
  });

  it('masks an unexpected failure as "Unexpected error." with the request id, logs it in full, and keeps the siblings', async () => {
    // Not a PipelineApiError: a bug, say, whose message must not reach clients.
    const bug = new TypeError('cannot read properties of undefined (internal detail 5e1f)');
    const source = fixtureSource(world, { 'Kustomization staging': bug as unknown as PipelineApiError });
    let logs = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((logs += chunk.toString()), done()) });
    const client = clientFor(createApp({ source, logger: createLogger('info', sink) }));
    const response = await client.query(QUERY, { approach: 'HYBRID', name: 'labelled' }, { 'x-request-id': 'masking-test-1' });

    const stages = response.data!.pipeline.stages;
    expect(stages.map((s: any) => s.releases?.length ?? null)).toEqual([2, null, 1]);
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: 'Unexpected error.',
        path: ['pipeline', 'stages', 1, 'releases'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'masking-test-1' },
      }),
    ]);
    expect(JSON.stringify(response)).not.toContain('5e1f');
    const logged = logs.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((line) => line.msg === 'unexpected error');
    expect(logged).toMatchObject({ level: 'error', requestId: 'masking-test-1', err: { type: 'TypeError', message: expect.stringContaining('5e1f') } });
    expect(logged.err.stack).toContain('TypeError');
  });
});
