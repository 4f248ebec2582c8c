import { describe, expect, it } from 'vitest';
import { expectNoErrors, type GraphQLClient } from '../support/graphql-client.js';

/**
 * What every query over the demo must answer, whichever reader serves it. The fast
 * suite runs this against the built-in snapshot; the e2e suite against a real API
 * server holding the same demo, so the two readers are held to one set of answers.
 */
export const DEMO_PIPELINES = [
  { approach: 'HYBRID', name: 'example-pipeline' },
  { approach: 'CRD', name: 'example-pipeline-crd' },
  { approach: 'STAGE', name: 'example-pipeline-stage' },
  { approach: 'CM', name: 'example-pipeline' },
] as const;

/** Per environment: the chart version, and what Helm recorded for the last (install or upgrade) action. */
const ENVIRONMENTS = [
  { name: 'dev', order: 1, version: '6.1.8', helm: { revision: 3, action: 'upgrade', reason: 'UpgradeSucceeded', at: '2026-03-05T10:15:49Z' } },
  { name: 'staging', order: 2, version: '6.1.7', helm: { revision: 2, action: 'upgrade', reason: 'UpgradeSucceeded', at: '2026-03-04T16:44:30Z' } },
  { name: 'prod', order: 3, version: '6.1.6', helm: { revision: 1, action: 'install', reason: 'InstallSucceeded', at: '2026-03-02T09:00:53Z' } },
];
type Environment = (typeof ENVIRONMENTS)[number];
const GIT_REVISION = 'main@sha1:a3d3d72b3cd4ab17396227ea4581fa40a4f6dad5';
const IMAGE = 'ghcr.io/stefanprodan/podinfo';

/** A demo Deployment: one ready replica of podinfo at the environment's version. */
const demoWorkload = (env: Environment, name: string, container: string) => ({
  id: `Deployment:${env.name}/${name}`,
  kind: 'Deployment',
  name,
  namespace: env.name,
  replicas: 1,
  readyReplicas: 1,
  updatedReplicas: 1,
  availableReplicas: 1,
  images: [
    {
      id: `Deployment:${env.name}/${name}:container:${container}`,
      container,
      init: false,
      reference: `${IMAGE}:${env.version}`,
      repository: IMAGE,
      tag: env.version,
      digest: null,
    },
  ],
});

/** Every field PIPELINE_QUERY selects on the demo Kustomization of an environment. */
const demoKustomization = (env: Environment) => ({
  __typename: 'Kustomization',
  id: `Kustomization:${env.name}/${env.name}`,
  kind: 'Kustomization',
  name: env.name,
  namespace: env.name,
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  ready: true,
  readyStatus: 'True',
  readyReason: 'ReconciliationSucceeded',
  readyMessage: `Applied revision: ${GIT_REVISION}`,
  readyTransitionTime: '2026-03-02T09:00:17Z',
  suspended: false,
  revision: GIT_REVISION,
  lastAttemptedRevision: GIT_REVISION,
  version: GIT_REVISION,
  path: `./demo/apps/overlays/${env.name}`,
  targetNamespace: env.name,
  sourceRef: {
    id: 'GitRepository:flux-system/flux-pipelines-demo',
    kind: 'GitRepository',
    name: 'flux-pipelines-demo',
    namespace: 'flux-system',
  },
  workloads: [demoWorkload(env, 'podinfo', 'podinfod'), demoWorkload(env, 'podinfo-2', 'podinfod')],
});

/** Every field PIPELINE_QUERY selects on the demo HelmRelease of an environment. */
const demoHelmRelease = (env: Environment) => ({
  __typename: 'HelmRelease',
  id: `HelmRelease:${env.name}/podinfo-pipeline-helm`,
  kind: 'HelmRelease',
  name: 'podinfo-pipeline-helm',
  namespace: env.name,
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  ready: true,
  readyStatus: 'True',
  readyReason: env.helm.reason,
  readyMessage: `Helm ${env.helm.action} succeeded for release ${env.name}/podinfo-pipeline-helm.v${env.helm.revision} with chart podinfo@${env.version}`,
  readyTransitionTime: env.helm.at,
  suspended: false,
  revision: env.version,
  lastAttemptedRevision: env.version,
  version: env.version,
  chartName: 'podinfo',
  chartVersion: env.version,
  desiredChartVersion: env.version,
  appVersion: env.version,
  helmRevision: env.helm.revision,
  releaseName: 'podinfo-pipeline-helm',
  workloads: [demoWorkload(env, 'podinfo-pipeline-helm', 'podinfo')],
});

export const PIPELINE_QUERY = `query Pipeline($approach: Approach!, $name: String!, $namespace: String) {
  pipeline(approach: $approach, name: $name, namespace: $namespace) {
    id name namespace approach
    definedBy { id kind namespace name }
    stages {
      id name namespace order cluster
      releases {
        __typename id kind name namespace apiVersion
        ready readyStatus readyReason readyMessage readyTransitionTime
        suspended revision lastAttemptedRevision version
        ... on Kustomization { path targetNamespace sourceRef { id kind name namespace } }
        ... on HelmRelease { chartName chartVersion desiredChartVersion appVersion helmRevision releaseName }
        workloads {
          id kind name namespace replicas readyReplicas updatedReplicas availableReplicas
          images { id container init reference repository tag digest }
        }
      }
    }
  }
}`;

export const ALL_PIPELINES_QUERY = `query All($approach: Approach, $namespace: String) {
  pipelines(approach: $approach, namespace: $namespace) {
    id name namespace approach
    stages { id name order releases { id name namespace version workloads { id images { tag } } } }
  }
}`;

/** One document asking for all four demo pipelines in full: 12 stages, 24 releases, 36 workloads. */
export const ALL_FOUR_QUERY = `query AllFour {
  ${DEMO_PIPELINES.map(
    (p, i) => `p${i}: pipeline(approach: ${p.approach}, name: "${p.name}") {
      stages { releases { name version workloads { name images { tag } } } } }`,
  ).join('\n')}
}`;

/**
 * Every list ALL_FOUR_QUERY needs, as "<kind> <namespace>": each must be asked for exactly once.
 * The HelmReleases have no inventory, so their workloads are found by Flux's owner labels
 * among all three workload kinds of the stage namespace.
 */
export const DEMO_LIST_CALLS = [
  'Pipeline flux-system',
  'ConfigMap flux-system',
  ...['dev', 'staging', 'prod'].flatMap((ns) => ['PipelineStage', 'Kustomization', 'HelmRelease', 'Deployment', 'StatefulSet', 'DaemonSet'].map((kind) => `${kind} ${ns}`)),
];

type Release = Record<string, any>;

export function defineDemoQuerySuite(label: string, client: () => GraphQLClient): void {
  describe(`demo queries (${label})`, () => {
    describe.each(DEMO_PIPELINES)('$approach pipeline $name', ({ approach, name }) => {
      const fetchPipeline = async () =>
        expectNoErrors(await client().query(PIPELINE_QUERY, { approach, name })).pipeline;

      it('has the three stages in order, each bound to its namespace', async () => {
        const pipeline = await fetchPipeline();
        const kind = approach === 'CM' ? 'ConfigMap' : 'Pipeline';
        expect(pipeline).toMatchObject({ id: `Pipeline:${approach}:flux-system/${name}`, name, namespace: 'flux-system', approach });
        expect(pipeline.definedBy).toEqual({ id: `${kind}:flux-system/${name}`, kind, namespace: 'flux-system', name });
        expect(pipeline.stages.map((s: any) => [s.order, s.name, s.namespace, s.cluster])).toEqual(
          ENVIRONMENTS.map((e) => [e.order, e.name, e.name, null]),
        );
      });

      it('shows per stage the Kustomization with both of its Deployments and the HelmRelease, every selected field', async () => {
        const pipeline = await fetchPipeline();
        for (const [i, env] of ENVIRONMENTS.entries()) {
          const stage = pipeline.stages[i];
          expect(stage.id).toBe(`Pipeline:${approach}:flux-system/${name}:stage:${env.name}`);
          const releases: Release[] = stage.releases;
          expect(releases.map((r) => `${r.kind}/${r.namespace}/${r.name}`).sort()).toEqual([
            `HelmRelease/${env.name}/podinfo-pipeline-helm`,
            `Kustomization/${env.name}/${env.name}`,
          ]);
          expect(releases.find((r) => r.kind === 'Kustomization')).toEqual(demoKustomization(env));
          expect(releases.find((r) => r.kind === 'HelmRelease')).toEqual(demoHelmRelease(env));
        }
      });

      it('never shows the intruder labelled for the pipeline in namespace default', async () => {
        const pipeline = await fetchPipeline();
        const namespaces = pipeline.stages.flatMap((s: any) => s.releases.map((r: Release) => r.namespace));
        expect(namespaces).not.toContain('default');
      });

      it('gives every object a stable id that repeats on the next request', async () => {
        const first = await fetchPipeline();
        const second = await fetchPipeline();
        const ids = (p: any) => [p.id, ...p.stages.flatMap((s: any) => [s.id, ...s.releases.flatMap((r: Release) => [r.id, ...r.workloads.map((w: any) => w.id)])])];
        expect(ids(second)).toEqual(ids(first));
        expect(first.id).toBe(`Pipeline:${approach}:flux-system/${name}`);
        expect(new Set(first.stages.map((s: any) => s.id)).size).toBe(3);
      });
    });

    it('lists all four approaches\' pipelines when no approach is given, every selected field', async () => {
      const data = expectNoErrors(await client().query(ALL_PIPELINES_QUERY));
      expect(data.pipelines.map((p: any) => `${p.approach} ${p.name}`).sort()).toEqual(
        DEMO_PIPELINES.map((p) => `${p.approach} ${p.name}`).sort(),
      );
      for (const { approach, name } of DEMO_PIPELINES) {
        const id = `Pipeline:${approach}:flux-system/${name}`;
        const listed = data.pipelines.find((p: any) => p.id === id);
        expect(listed, id).toBeDefined();
        // Releases in a stable order for comparison: the listing does not promise one.
        const releases = (rs: any[]) => [...rs].sort((a, b) => a.id.localeCompare(b.id));
        expect({ ...listed, stages: listed.stages.map((s: any) => ({ ...s, releases: releases(s.releases) })) }).toEqual({
          id,
          name,
          namespace: 'flux-system',
          approach,
          stages: ENVIRONMENTS.map((env) => ({
            id: `${id}:stage:${env.name}`,
            name: env.name,
            order: env.order,
            releases: [demoHelmRelease(env), demoKustomization(env)].map((r) => ({
              id: r.id,
              name: r.name,
              namespace: r.namespace,
              version: r.version,
              workloads: r.workloads.map((w) => ({ id: w.id, images: w.images.map((img) => ({ tag: img.tag })) })),
            })),
          })),
        });
      }
    });

    it.each(DEMO_PIPELINES)('lists only its own pipelines for approach $approach', async ({ approach, name }) => {
      const data = expectNoErrors(await client().query(ALL_PIPELINES_QUERY, { approach, namespace: 'flux-system' }));
      expect(data.pipelines.map((p: any) => p.name)).toEqual([name]);
      expect(data.pipelines[0].stages).toHaveLength(3);
    });

    it('finds nothing in a namespace without definitions', async () => {
      const data = expectNoErrors(await client().query(ALL_PIPELINES_QUERY, { namespace: 'dev' }));
      expect(data.pipelines).toEqual([]);
    });

    it('answers PIPELINE_NOT_FOUND with null for a pipeline that does not exist', async () => {
      const response = await client().query(PIPELINE_QUERY, { approach: 'CM', name: 'no-such-pipeline' });
      expect(response.data?.pipeline).toBeNull();
      expect(response.errors).toEqual([
        expect.objectContaining({
          path: ['pipeline'],
          extensions: expect.objectContaining({ code: 'PIPELINE_NOT_FOUND', kind: 'ConfigMap', namespace: 'flux-system', name: 'no-such-pipeline' }),
        }),
      ]);
    });

    it('does not answer a STAGE pipeline as a HYBRID one', async () => {
      const response = await client().query(PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline-stage' });
      expect(response.data?.pipeline).toBeNull();
      expect(response.errors?.[0]?.extensions?.code).toBe('PIPELINE_NOT_FOUND');
      expect(response.errors?.[0]?.message).toContain('is a STAGE pipeline, not HYBRID');
    });
  });
}
