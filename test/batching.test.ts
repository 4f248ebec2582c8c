import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PIPELINES, PIPELINE_QUERY, ALL_PIPELINES_QUERY } from './queries/demo-expectations.js';
import { CountingSource } from './support/counting-source.js';
import { appFor, demoSource } from './support/demo-app.js';
import { clientFor, expectNoErrors, type GraphQLClient } from './support/graphql-client.js';

let source: CountingSource;
let client: GraphQLClient;

beforeAll(async () => {
  source = new CountingSource(await demoSource());
  client = clientFor(appFor(source));
});

// One document asking for all four demo pipelines in full: 12 stages, 24 releases, 36 workloads.
const ALL_FOUR = `query AllFour {
  ${DEMO_PIPELINES.map(
    (p, i) => `p${i}: pipeline(approach: ${p.approach}, name: "${p.name}") {
      stages { releases { name version workloads { name images { tag } } } } }`,
  ).join('\n')}
}`;

describe('DataLoader batching', () => {
  it('asks the reader at most once per (kind, namespace) for a query over all four demo pipelines', async () => {
    source.reset();
    const data = expectNoErrors(await client.query(ALL_FOUR));
    const releases = Object.values(data).flatMap((p: any) => p.stages.flatMap((s: any) => s.releases));
    expect(releases).toHaveLength(24);

    // Every count is 1, and these are all the calls there are.
    expect(Object.fromEntries(source.calls)).toEqual({
      'Pipeline flux-system': 1,
      'ConfigMap flux-system': 1,
      'PipelineStage dev': 1,
      'PipelineStage staging': 1,
      'PipelineStage prod': 1,
      'Kustomization dev': 1,
      'Kustomization staging': 1,
      'Kustomization prod': 1,
      'HelmRelease dev': 1,
      'HelmRelease staging': 1,
      'HelmRelease prod': 1,
      'Deployment dev': 1,
      'Deployment staging': 1,
      'Deployment prod': 1,
    });
  });

  it('serves the pipelines list and every stage from one list per kind across namespaces', async () => {
    source.reset();
    expectNoErrors(await client.query(ALL_PIPELINES_QUERY));
    expect([...source.calls.values()].every((n) => n === 1)).toBe(true);
    expect(source.calls.get('Pipeline *')).toBe(1);
    expect(source.calls.get('ConfigMap *')).toBe(1);
  });

  it('keeps loaders per request: a second request reads again', async () => {
    source.reset();
    expectNoErrors(await client.query(PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }));
    expectNoErrors(await client.query(PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }));
    expect(source.calls.get('Pipeline flux-system')).toBe(2);
  });
});
