import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_FOUR_QUERY, DEMO_LIST_CALLS, PIPELINE_QUERY, ALL_PIPELINES_QUERY } from './queries/demo-expectations.js';
import type { ClusterSource } from '../src/cluster/reader.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/server/create-app.js';
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
    // Every field the document selects, per pipeline: the same three stages each time.
    const versions = { dev: '6.1.8', staging: '6.1.7', prod: '6.1.6' };
    const revision = 'main@sha1:a3d3d72b3cd4ab17396227ea4581fa40a4f6dad5';
    const byName = (a: any, b: any) => a.name.localeCompare(b.name);
    const expected = Object.entries(versions).map(([env, version]) => ({
      releases: [
        { name: env, version: revision, workloads: ['podinfo', 'podinfo-2'].map((name) => ({ name, images: [{ tag: version }] })) },
        { name: 'podinfo-pipeline-helm', version, workloads: [{ name: 'podinfo-pipeline-helm', images: [{ tag: version }] }] },
      ].sort(byName),
    }));
    for (const [alias, pipeline] of Object.entries(data) as [string, any][]) {
      expect(pipeline.stages.map((s: any) => ({ releases: [...s.releases].sort(byName) })), alias).toEqual(expected);
    }

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

describe('one list for all namespaces serves the namespaced keys of the same batch', () => {
  it('answers pipelines and pipeline(namespace) in one document from one Pipeline list', async () => {
    source.reset();
    const data = expectNoErrors(
      await client.query('{ pipelines(approach: HYBRID) { name } one: pipeline(approach: HYBRID, name: "example-pipeline") { name namespace } }'),
    );
    expect(data).toEqual({ pipelines: [{ name: 'example-pipeline' }], one: { name: 'example-pipeline', namespace: 'flux-system' } });
    expect(Object.fromEntries(source.calls)).toEqual({ 'Pipeline *': 1 });
  });
});

describe('the deadline reaches an all-namespaces list too', () => {
  it('aborts a hanging list of every namespace with DEADLINE_EXCEEDED', async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const hanging: ClusterSource = {
      description: 'hanging',
      readerFor: () => ({
        list: (_kind, _namespace, options) =>
          new Promise((_resolve, reject) => {
            signals.push(options?.signal);
            if (!options?.signal) return reject(new Error('the reader was called without an abort signal'));
            options.signal.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
          }),
      }),
      checkReady: async () => ({ ready: true, message: 'hanging' }),
    };
    const app = createApp({ source: hanging, logger: createLogger('silent'), limits: { ...DEFAULT_LIMITS, queryTimeoutMs: 200 } });
    const response = await clientFor(app).query('{ pipelines(approach: CM) { name } }');
    // The listing as a whole is cancelled: a null list with one DEADLINE_EXCEEDED, not a partial answer.
    expect(response.data).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]).toMatchObject({ path: ['pipelines'], extensions: { code: 'DEADLINE_EXCEEDED' } });
    expect(response.errors![0]!.message).toMatch(/cancelled: the query's deadline passed or its client went away\.$/);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
  });
});

describe('the all-namespaces list, split per namespace', () => {
  it('gives a namespaced key of the same batch only that namespace\'s objects', async () => {
    const { createSource } = await import('../src/cluster/create-source.js');
    const varied = new CountingSource(await createSource({ type: 'snapshot', path: 'test/fixtures/varied' }));
    const response = await clientFor(appFor(varied)).query(
      '{ pipelines(approach: HYBRID) { namespace name } one: pipeline(approach: HYBRID, name: "team-pipeline") { name } }',
    );
    expect(response.data!.pipelines).toEqual([
      { namespace: 'flux-system', name: 'varied' },
      { namespace: 'team-a', name: 'team-pipeline' },
    ]);
    // team-pipeline lives in team-a: asked for in flux-system (the default), it is not there.
    expect(response.data!.one).toBeNull();
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['PIPELINE_NOT_FOUND']);
    expect(Object.fromEntries(varied.calls)).toEqual({ 'Pipeline *': 1 });
  });
});
