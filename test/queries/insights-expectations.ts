import { describe, expect, it } from 'vitest';
import { expectNoErrors, type GraphQLClient } from '../support/graphql-client.js';
import { DEMO_PIPELINES, PIPELINE_QUERY } from './demo-expectations.js';

/**
 * What the promotion insights answer on the demo, whichever reader serves it: the fast
 * suite runs this on the built-in snapshot, the e2e suite on a real API server holding
 * the same demo.
 */
export const INSIGHTS = `query I($approach: Approach!, $name: String!) {
  pipeline(approach: $approach, name: $name) {
    health healthReason { message object { kind namespace name } condition }
    firstUnhealthyStage { name }
    stages {
      name health healthReason { message object { kind namespace name } condition }
      releases { name health }
      versions { key type name version release { kind name } workload { kind name } container since sinceSource }
      behind { upstream { name } downstream { name } key name upstreamVersion downstreamVersion status }
    }
    drift { upstream { name } downstream { name } key name upstreamVersion downstreamVersion status }
    diagnostics { code severity message object { kind namespace name } stage { name } }
  }
}`;

export function defineDemoInsightsSuite(label: string, client: () => GraphQLClient): void {
describe(`insights on the demo (${label})`, () => {

  describe.each(DEMO_PIPELINES)('$approach pipeline $name', ({ approach, name }) => {
    it('is healthy in every stage and release, and says why', async () => {
      const { pipeline } = expectNoErrors(await client().query(INSIGHTS, { approach, name }));
      expect(pipeline.health).toBe('HEALTHY');
      expect(pipeline.healthReason.message).toBe(`All 3 stages of pipeline ${name} are healthy.`);
      expect(pipeline.firstUnhealthyStage).toBeNull();
      for (const stage of pipeline.stages) {
        expect(stage.health).toBe('HEALTHY');
        expect(stage.healthReason.message).toBe(`All 2 releases of Stage ${stage.name} (namespace ${stage.name}) are healthy.`);
        expect(stage.releases.map((r: any) => r.health)).toEqual(['HEALTHY', 'HEALTHY']);
      }
    });

    it('shows staging one version behind dev and prod one behind staging, for the chart and every image', async () => {
      const { pipeline } = expectNoErrors(await client().query(INSIGHTS, { approach, name }));
      const rows = pipeline.drift.map((d: any) => [d.upstream.name, d.downstream.name, d.key, d.upstreamVersion, d.downstreamVersion, d.status]);
      const keys = ['image:Deployment/podinfo/podinfod', 'image:Deployment/podinfo-2/podinfod', 'chart:podinfo', 'image:Deployment/podinfo-pipeline-helm/podinfo'];
      const expected = [
        ['dev', 'staging', '6.1.8', '6.1.7'],
        ['staging', 'prod', '6.1.7', '6.1.6'],
      ].flatMap(([up, down, u, d]) => keys.map((key) => [up, down, key, u, d, 'BEHIND']));
      expect([...rows].sort()).toEqual([...expected].sort());
      expect(pipeline.stages[0].behind).toEqual([]);
      expect(pipeline.stages[1].behind).toHaveLength(4);
      expect(pipeline.stages[2].behind.every((d: any) => d.upstream.name === 'staging' && d.status === 'BEHIND')).toBe(true);
    });

    it('lists each stage\'s versions with since when they run', async () => {
      const { pipeline } = expectNoErrors(await client().query(INSIGHTS, { approach, name }));
      const staging = pipeline.stages[1];
      expect(staging.versions).toHaveLength(4);
      // The chart: since its Helm revision 2 (6.1.7) was deployed; images of the Kustomization: its Ready transition.
      expect(staging.versions.find((v: any) => v.type === 'CHART')).toMatchObject({
        key: 'chart:podinfo', version: '6.1.7', release: { kind: 'HelmRelease', name: 'podinfo-pipeline-helm' }, since: '2026-03-04T16:44:21Z', sinceSource: 'HELM_HISTORY',
      });
      expect(staging.versions.find((v: any) => v.key === 'image:Deployment/podinfo/podinfod')).toMatchObject({
        type: 'IMAGE', version: '6.1.7', workload: { kind: 'Deployment', name: 'podinfo' }, container: 'podinfod', since: '2026-03-02T09:00:17Z', sinceSource: 'READY_TRANSITION',
      });
    });

    it('reports the labelled release outside every stage namespace for label approaches only', async () => {
      const { pipeline } = expectNoErrors(await client().query(INSIGHTS, { approach, name }));
      if (approach === 'HYBRID' || approach === 'CM') {
        expect(pipeline.diagnostics).toEqual([
          expect.objectContaining({ code: 'RELEASE_OUTSIDE_STAGES', severity: 'INFO', object: { kind: 'HelmRelease', namespace: 'default', name: 'podinfo-pipeline-helm' }, stage: null }),
        ]);
      } else {
        expect(pipeline.diagnostics).toEqual([]);
      }
    });
  });

  it('answers whereDeployed(image) with every stage of every demo pipeline', async () => {
    const data = expectNoErrors(await client().query(`{ whereDeployed(image: "ghcr.io/stefanprodan/podinfo") {
      pipeline { approach name } stage { name } release { kind name } workload { kind name namespace } image { container tag } version } }`));
    const placements = data.whereDeployed;
    // 4 pipelines × 3 stages × 3 Deployments (two from the Kustomization, one from the chart).
    expect(placements).toHaveLength(36);
    const stages = new Set(placements.map((p: any) => `${p.pipeline.approach}/${p.pipeline.name}/${p.stage.name}`));
    expect(stages).toEqual(new Set(DEMO_PIPELINES.flatMap((p) => ['dev', 'staging', 'prod'].map((s) => `${p.approach}/${p.name}/${s}`))));
    expect(placements.every((p: any) => p.version === { dev: '6.1.8', staging: '6.1.7', prod: '6.1.6' }[p.stage.name as 'dev'] && p.image.tag === p.version)).toBe(true);
    // The intruder in "default" runs podinfo too, but in no pipeline.
    expect(placements.some((p: any) => p.workload.namespace === 'default')).toBe(false);
  });

  it('narrows whereDeployed to one tag, and finds charts by name', async () => {
    const tagged = expectNoErrors(await client().query(`{ whereDeployed(image: "ghcr.io/stefanprodan/podinfo:6.1.6") { stage { name } version } }`));
    expect(tagged.whereDeployed).toHaveLength(12);
    expect(new Set(tagged.whereDeployed.map((p: any) => p.stage.name))).toEqual(new Set(['prod']));
    const charts = expectNoErrors(await client().query(`{ whereDeployed(chart: "podinfo") { pipeline { name } stage { name } release { name } workload { name } version } }`));
    expect(charts.whereDeployed).toHaveLength(12);
    expect(charts.whereDeployed.every((p: any) => p.workload === null && p.release.name === 'podinfo-pipeline-helm')).toBe(true);
    const none = expectNoErrors(await client().query(`{ whereDeployed(image: "nginx") { version } }`));
    expect(none.whereDeployed).toEqual([]);
  });

  it.each([
    ['{ whereDeployed { version } }', 'needs an "image" or a "chart"'],
    ['{ whereDeployed(image: "not an image") { version } }', 'Argument "image"'],
    ['{ whereDeployed(chart: "../etc") { version } }', 'Argument "chart"'],
  ])('refuses %s with BAD_USER_INPUT', async (document, message) => {
    const response = await client().query(document);
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(response.errors?.[0]?.message).toContain(message);
  });

  it('refetches every object of a pipeline by its id through Query.node', async () => {
    const { pipeline } = expectNoErrors(await client().query(PIPELINE_QUERY, { approach: 'CRD', name: 'example-pipeline-crd' }));
    const objects: { id: string; __typename?: string }[] = [
      { ...pipeline, __typename: 'Pipeline' },
      { ...pipeline.definedBy, __typename: 'DefinitionReference' },
      ...pipeline.stages.flatMap((s: any) => [
        { ...s, __typename: 'Stage' },
        ...s.releases.flatMap((r: any) => [
          r,
          ...(r.sourceRef ? [{ ...r.sourceRef, __typename: 'SourceReference' }] : []),
          ...r.workloads.flatMap((w: any) => [{ ...w, __typename: 'Workload' }, ...w.images.map((i: any) => ({ ...i, __typename: 'Image' }))]),
        ]),
      ]),
    ];
    expect(objects).toHaveLength(1 + 1 + 3 * (1 + 2 + 1 + 3 + 3));
    const document = `{ ${objects.map((o, i) => `n${i}: node(id: ${JSON.stringify(o.id)}) { __typename id }`).join(' ')} }`;
    // One request per batch of 20 aliases, the service's alias limit.
    for (let start = 0; start < objects.length; start += 20) {
      const chunk = objects.slice(start, start + 20);
      const doc = `{ ${chunk.map((o, i) => `n${i}: node(id: ${JSON.stringify(o.id)}) { __typename id }`).join(' ')} }`;
      const data = expectNoErrors(await client().query(doc));
      chunk.forEach((o, i) => expect(data[`n${i}`]).toEqual({ __typename: o.__typename, id: o.id }));
    }
    expect(document).toContain('node(');
  });

  it('answers null for ids that name nothing, and refuses none of them', async () => {
    const data = expectNoErrors(await client().query(`{
      a: node(id: "Pipeline:CM:flux-system/nope") { id }
      b: node(id: "HelmRelease:prod/nope") { id }
      c: node(id: "Deployment:dev/podinfo:container:nope") { id }
      d: node(id: "Secret:flux-system/token") { id }
      e: node(id: "Pipeline:HYBRID:flux-system/example-pipeline:stage:nope") { id }
      f: node(id: "Pipeline:CRD:flux-system/example-pipeline") { id }
    }`));
    expect(Object.values(data)).toEqual([null, null, null, null, null, null]);
  });
});
}
