// The query limits as a caller meets them: at, and one over, each limit; fragments priced
// like the selections they stand for; the defaults the README's configuration table states.
// Everything goes through the app with a GraphQL document, so the pricing may change
// (a library, other list sizes) without these tests changing: they compare the service
// with itself, using the `actual` figure it reports.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, parseServerConfig, type GraphQLLimits, type ServerConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { ClusterSource } from '../src/cluster/reader.js';
import { createApp } from '../src/server/create-app.js';
import { demoSource } from './support/demo-app.js';
import { clientFor, type GraphQLResponse } from './support/graphql-client.js';

let source: ClusterSource;
beforeAll(async () => {
  source = await demoSource();
});

const run = (document: string, limits: Partial<GraphQLLimits> = {}) =>
  clientFor(createApp({ source, logger: createLogger('silent'), limits: { ...DEFAULT_LIMITS, ...limits } })).query(document);

/** The figure the service reports for a document it refuses under a limit of 1. */
async function measured(document: string, code: 'QUERY_TOO_COMPLEX' | 'QUERY_TOO_DEEP' | 'TOO_MANY_ALIASES'): Promise<number> {
  const limit = { QUERY_TOO_COMPLEX: { maxComplexity: 1 }, QUERY_TOO_DEEP: { maxDepth: 1 }, TOO_MANY_ALIASES: { maxAliases: 0 } }[code];
  const response = await run(document, limit as Partial<GraphQLLimits>);
  const error = response.errors?.find((e) => e.extensions?.code === code);
  expect(error, `${code} for ${document}`).toBeDefined();
  return error!.extensions!.actual as number;
}

const refusedWith = (response: GraphQLResponse, code: string) => {
  expect(response.data).toBeUndefined();
  expect(response.errors?.map((e) => e.extensions?.code)).toEqual([code]);
};

const accepted = (response: GraphQLResponse) => {
  expect(response.errors).toBeUndefined();
  expect(response.data).toBeTruthy();
};

const NESTED = '{ pipelines { name stages { name releases { name } } } }';
const WITH_FRAGMENT = '{ pipelines { ...P } } fragment P on Pipeline { name stages { name releases { name } } }';
const WITH_NESTED_FRAGMENTS = '{ pipelines { ...P } } fragment P on Pipeline { name stages { ...S } } fragment S on Stage { name releases { name } }';
const WITH_INLINE_FRAGMENT = '{ pipelines { ... on Pipeline { name stages { name ... { releases { name } } } } } }';

describe('complexity', () => {
  it('runs a document priced exactly at the limit and refuses it one below, reporting both figures', async () => {
    const cost = await measured(NESTED, 'QUERY_TOO_COMPLEX');
    expect(cost).toBeGreaterThan(1);
    accepted(await run(NESTED, { maxComplexity: cost }));
    const over = await run(NESTED, { maxComplexity: cost - 1 });
    refusedWith(over, 'QUERY_TOO_COMPLEX');
    expect(over.errors![0]!.extensions).toMatchObject({ actual: cost, limit: cost - 1 });
    expect(over.errors![0]!.message).toBe(`Query complexity (estimated with list fan-out) is ${cost}, over the limit of ${cost - 1}.`);
  });

  it('prices named and inline fragments exactly like the selections they stand for', async () => {
    const cost = await measured(NESTED, 'QUERY_TOO_COMPLEX');
    expect(await measured(WITH_FRAGMENT, 'QUERY_TOO_COMPLEX')).toBe(cost);
    expect(await measured(WITH_NESTED_FRAGMENTS, 'QUERY_TOO_COMPLEX')).toBe(cost);
    expect(await measured(WITH_INLINE_FRAGMENT, 'QUERY_TOO_COMPLEX')).toBe(cost);
    // So a fragment cannot be used to slip under the limit.
    refusedWith(await run(WITH_FRAGMENT, { maxComplexity: cost - 1 }), 'QUERY_TOO_COMPLEX');
    refusedWith(await run(WITH_NESTED_FRAGMENTS, { maxComplexity: cost - 1 }), 'QUERY_TOO_COMPLEX');
  });

  it('adds a fragment\'s cost to the fields beside it, and prices each spread of it', async () => {
    const fragment = await measured('{ pipelines { ...P } } fragment P on Pipeline { stages { name } }', 'QUERY_TOO_COMPLEX');
    const both = await measured('{ pipelines { name ...P } } fragment P on Pipeline { stages { name } }', 'QUERY_TOO_COMPLEX');
    const twice = await measured('{ a: pipelines { ...P } b: pipelines { ...P } } fragment P on Pipeline { stages { name } }', 'QUERY_TOO_COMPLEX');
    expect(both).toBeGreaterThan(fragment);
    expect(twice).toBe(2 * fragment);
  });

  it('prices a list field by its fan-out: more under pipelines than under one pipeline', async () => {
    const one = await measured('{ pipeline(approach: HYBRID, name: "example-pipeline") { stages { name } } }', 'QUERY_TOO_COMPLEX');
    const all = await measured('{ pipelines { stages { name } } }', 'QUERY_TOO_COMPLEX');
    const scalar = await measured('{ pipeline(approach: HYBRID, name: "example-pipeline") { name } }', 'QUERY_TOO_COMPLEX');
    expect(all).toBeGreaterThan(one);
    expect(one).toBeGreaterThan(scalar);
  });
});

describe('depth', () => {
  it('runs a document exactly at the depth limit and refuses it one below', async () => {
    const depth = await measured(NESTED, 'QUERY_TOO_DEEP');
    expect(depth).toBe(4); // pipelines > stages > releases > name
    accepted(await run(NESTED, { maxDepth: depth }));
    refusedWith(await run(NESTED, { maxDepth: depth - 1 }), 'QUERY_TOO_DEEP');
  });

  it('counts fragments at the depth where they are spread', async () => {
    expect(await measured(WITH_FRAGMENT, 'QUERY_TOO_DEEP')).toBe(4);
    expect(await measured(WITH_NESTED_FRAGMENTS, 'QUERY_TOO_DEEP')).toBe(4);
    expect(await measured(WITH_INLINE_FRAGMENT, 'QUERY_TOO_DEEP')).toBe(4);
    refusedWith(await run(WITH_NESTED_FRAGMENTS, { maxDepth: 3 }), 'QUERY_TOO_DEEP');
  });
});

describe('aliases', () => {
  const fourAliases = '{ a: pipelines { n: name } b: pipelines { name } c: __typename }';

  it('runs a document with exactly the allowed aliases and refuses one more', async () => {
    expect(await measured(fourAliases, 'TOO_MANY_ALIASES')).toBe(4);
    accepted(await run(fourAliases, { maxAliases: 4 }));
    refusedWith(await run(fourAliases, { maxAliases: 3 }), 'TOO_MANY_ALIASES');
  });

  it('counts an alias inside a fragment once, however often the fragment is spread', async () => {
    const document = '{ a: pipelines { ...P } b: pipelines { ...P } } fragment P on Pipeline { n: name }';
    expect(await measured(document, 'TOO_MANY_ALIASES')).toBe(3);
  });
});

describe('the defaults the README states', () => {
  it('are depth 10, complexity 200000, 20 aliases, 64 KiB bodies, a 15 s deadline, introspection on', () => {
    const expected = { introspection: true, maxDepth: 10, maxComplexity: 200_000, maxAliases: 20, maxBodyBytes: 65_536, queryTimeoutMs: 15_000 };
    expect(DEFAULT_LIMITS).toMatchObject(expected);
    expect((parseServerConfig([], {}) as ServerConfig).limits).toMatchObject(expected);
  });

  it('are what an app built without limits applies', async () => {
    const app = createApp({ source, logger: createLogger('silent') });
    const aliases = `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const response = await clientFor(app).query(aliases);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_ALIASES', actual: 21, limit: 20 });
    const ok = await clientFor(app).query(`{ ${Array.from({ length: 20 }, (_, i) => `a${i}: __typename`).join(' ')} }`);
    expect(ok.errors).toBeUndefined();
  });
});

describe('introspection fields', () => {
  it('are not priced: __typename beside fields costs nothing more', async () => {
    const plain = await measured('{ pipelines { name stages { name } } }', 'QUERY_TOO_COMPLEX');
    expect(await measured('{ __typename pipelines { __typename name stages { __typename name } } }', 'QUERY_TOO_COMPLEX')).toBe(plain);
  });
});
