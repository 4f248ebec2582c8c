import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_FOUR_QUERY, DEMO_LIST_CALLS, PIPELINE_QUERY, ALL_PIPELINES_QUERY } from './queries/demo-expectations.js';
import { CountingSource } from './support/counting-source.js';
import { appFor, demoSource } from './support/demo-app.js';
import { clientFor, expectNoErrors, type GraphQLClient } from './support/graphql-client.js';

let source: CountingSource;
let client: GraphQLClient;

beforeAll(async () => {
  source = new CountingSource(await demoSource());
  client = clientFor(appFor(source));
});

describe('DataLoader batching', () => {
  it('asks the reader at most once per (kind, namespace) for a query over all four demo pipelines', async () => {
    source.reset();
    const data = expectNoErrors(await client.query(ALL_FOUR_QUERY));
    const releases = Object.values(data).flatMap((p: any) => p.stages.flatMap((s: any) => s.releases));
    expect(releases).toHaveLength(24);

    // Every count is 1, and these are all the calls there are.
    expect(Object.fromEntries(source.calls)).toEqual(Object.fromEntries(DEMO_LIST_CALLS.map((call) => [call, 1])));
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
