import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '../src/cluster/create-source.js';
import type { ClusterSource } from '../src/cluster/reader.js';
import type { ResourceKind } from '../src/cluster/resources.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { schema } from '../src/schema/index.js';
import { appAccess } from '../src/server/auth-setup.js';
import { createApp } from '../src/server/create-app.js';
import { measureQuery } from '../src/server/query-cost.js';
import { FakeAccessReviewer } from './support/fake-access-reviewer.js';
import { interceptedReads } from './support/intercepted-reads.js';
import { clientFor, type GraphQLResponse } from './support/graphql-client.js';

/**
 * Validation prices `pipelines` at 20 pipelines; a listing that returns more is priced
 * again with its real count before anything under it resolves (src/server/query-cost.ts).
 * The fixture: 30 HYBRID pipelines in team-a and 30 in team-b, each with one stage and no releases.
 */

const PER_TEAM = 30;
const SELECTION = '{ name stages { name releases { name } } }';
const LISTING = `{ pipelines ${SELECTION} }`;

const complexity = (document: string) => measureQuery(schema, parse(document)).complexity;
/** One pipeline's selection alone: `pipeline(...)` costs 1 plus it. */
const EACH = complexity(`{ pipeline(approach: HYBRID, name: "x") ${SELECTION} }`) - 1;
/** What validation sees: 20 pipelines. */
const CHECKED = complexity(LISTING);
/** The same listing priced with n pipelines. */
const withCount = (n: number) => CHECKED + (n - 20) * EACH;

function pipelines(team: string): string {
  return Array.from(
    { length: PER_TEAM },
    (_, i) => `apiVersion: wego.weave.works/v1alpha1
kind: Pipeline
metadata: { name: ${team}-${i}, namespace: ${team} }
spec:
  stages:
    - { name: dev, namespace: ${team}-dev, order: 1 }
`,
  ).join('---\n');
}

let dir: string;
let snapshot: ClusterSource;
/** Kinds read since the last reset, through any request's reader. */
const readKinds = new Set<ResourceKind>();

/** The snapshot, every read noted by kind (per-pipeline parts still run over it). */
const noted = (inner: ClusterSource) => interceptedReads(inner, (kind) => void readKinds.add(kind));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'listing-price-'));
  writeFileSync(join(dir, 'pipelines.yaml'), `${pipelines('team-a')}---\n${pipelines('team-b')}`);
  snapshot = await createSource({ type: 'snapshot', path: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const app = (maxComplexity: number, resultCacheBytes?: number) =>
  clientFor(createApp({ source: noted(snapshot), logger: createLogger('silent'), limits: { ...DEFAULT_LIMITS, maxComplexity }, resultCacheBytes }));

function refusal(response: GraphQLResponse, actual: number, limit: number, count: number) {
  expect(response.data).toBeNull();
  expect(response.errors).toHaveLength(1);
  const error = response.errors![0]!;
  expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', actual, limit });
  expect(error.message).toBe(
    `Query complexity is ${actual} with the ${count} pipelines this listing returns (priced at 20 when the query was checked), over the limit of ${limit}. Select fewer fields, narrow the listing with namespace or approach, or ask for one pipeline(...) at a time.`,
  );
  return error;
}

// Answered per pipeline (the default) and by one full execution (no caches): the same refusals.
for (const [mode, cacheBytes] of [
  ['per-pipeline parts', undefined],
  ['a full execution', 0],
] as const) {
  describe(`a pipelines listing priced with its real count: ${mode}`, () => {
    it('passes validation at 20 pipelines and is refused with 60, before any stage is read', async () => {
      expect(withCount(60)).toBeGreaterThan(CHECKED);
      readKinds.clear();
      const response = await app(withCount(60) - 1, cacheBytes).query(LISTING);
      const error = refusal(response, withCount(60), withCount(60) - 1, 60);
      expect(error.path).toEqual(['pipelines']);
      expect(error.locations).toEqual([{ line: 1, column: 3 }]);
      // The definitions were listed; nothing under them (a stage's releases) was read.
      expect([...readKinds].sort()).toEqual(['ConfigMap', 'Pipeline']);
    });

    it('answers at exactly the limit', async () => {
      readKinds.clear();
      const data = (await app(withCount(60), cacheBytes).query(LISTING)).data!;
      expect(data.pipelines).toHaveLength(60);
      // What the refusal above did not get to: each stage's releases.
      expect(readKinds).toContain('HelmRelease');
    });

    it('keeps the price a listing of at most 20 passed validation with', async () => {
      // Exactly the validation price: 20 or fewer pipelines are never priced up, nor down.
      const narrow = `{ pipelines(approach: CRD) ${SELECTION} }`;
      const response = await app(complexity(narrow), cacheBytes).query(narrow);
      expect(response.errors).toBeUndefined();
      expect(response.data!.pipelines).toEqual([]);
    });

    it('adds up the listings of one operation under aliases', async () => {
      const both = `{ a: pipelines ${SELECTION} b: pipelines { name } }`;
      const aliasedEach = complexity('{ pipeline(approach: HYBRID, name: "x") { name } }') - 1;
      const total = complexity(both) + 40 * EACH + 40 * aliasedEach;
      // Either listing alone would pass this limit; the two together do not.
      const limit = total - 1;
      expect(complexity(both) + 40 * EACH).toBeLessThanOrEqual(limit);
      const error = refusal(await app(limit, cacheBytes).query(both), total, limit, 60);
      expect(['a', 'b']).toContain(error.path![0]);
      expect((await app(total, cacheBytes).query(both)).errors).toBeUndefined();
    });

    it('never lets a listing of fewer than 20 lower the price of another', async () => {
      // The CRD listing returns nothing: priced at 20 by validation, and kept at that.
      const both = `{ a: pipelines(approach: CRD) ${SELECTION} b: pipelines ${SELECTION} }`;
      const total = complexity(both) + 40 * EACH;
      const error = refusal(await app(total - 1, cacheBytes).query(both), total, total - 1, 60);
      expect(error.path).toEqual(['b']);
    });

    // Listings the per-pipeline parts leave to the rest of the operation (a directive on the
    // field, freshness in its selection) are priced the same, beside a field that is planned.
    for (const [what, field, selection] of [
      ['under @include', 'b: pipelines @include(if: true)', SELECTION],
      ['under @skip', 'b: pipelines @skip(if: false)', SELECTION],
      ['reading freshness', 'b: pipelines', '{ freshness { stale } name stages { name releases { name } } }'],
    ] as const) {
      it(`prices a listing ${what} beside a planned one`, async () => {
        const document = `{ one: pipeline(approach: HYBRID, name: "team-a-0", namespace: "team-a") { name } small: pipelines(approach: CRD) { name } ${field} ${selection} }`;
        const each = complexity(`{ pipeline(approach: HYBRID, name: "x") ${selection} }`) - 1;
        const total = complexity(document) + 40 * each;
        const error = refusal(await app(total - 1, cacheBytes).query(document), total, total - 1, 60);
        expect(error.path).toEqual(['b']);
        const answered = await app(total, cacheBytes).query(document);
        expect(answered.errors).toBeUndefined();
        expect(answered.data!.b).toHaveLength(60);
      });
    }

    it('prices a listing selected through fragments the same way', async () => {
      const spread = `{ pipelines { ...P } } fragment P on Pipeline ${SELECTION}`;
      expect(complexity(spread)).toBe(CHECKED);
      refusal(await app(withCount(60) - 1, cacheBytes).query(spread), withCount(60), withCount(60) - 1, 60);
    });
  });
}

describe('a pipelines listing priced for a caller authorized one by one', () => {
  it('counts only the pipelines the caller may see, so a refusal tells nothing of the others', async () => {
    const reviewer = new FakeAccessReviewer();
    reviewer.tokens.set('alice-token.abc', { user: 'alice', groups: [] });
    reviewer.tokens.set('bob-token.abc', { user: 'bob', groups: [] });
    reviewer.grant({ user: 'alice' }, ['pipelines', 'configmaps'], ['team-a']);
    reviewer.grant({ user: 'alice' }, ['kustomizations', 'helmreleases'], ['team-a-dev']);
    reviewer.grant({ user: 'bob' }, ['pipelines', 'configmaps'], ['team-a', 'team-b']);
    reviewer.grant({ user: 'bob' }, ['kustomizations', 'helmreleases'], ['team-a-dev', 'team-b-dev']);
    const limit = withCount(PER_TEAM);
    const client = clientFor(
      createApp({ source: snapshot, logger: createLogger('silent'), limits: { ...DEFAULT_LIMITS, maxComplexity: limit }, access: appAccess({ mode: 'token', cacheTtlMs: 60_000 }, reviewer) }),
    );
    const alice = await client.query(LISTING, undefined, { authorization: 'Bearer alice-token.abc' });
    expect(alice.errors).toBeUndefined();
    expect(alice.data!.pipelines.map((p: { name: string }) => p.name)).toHaveLength(PER_TEAM);
    const bob = await client.query(LISTING, undefined, { authorization: 'Bearer bob-token.abc' });
    refusal(bob, withCount(2 * PER_TEAM), limit, 2 * PER_TEAM);
  });
});
