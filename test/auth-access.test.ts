// Per-user access through the whole HTTP handling path (yoga.fetch), with the API
// server's two reviews faked at the AccessReviewer interface and the demo snapshot
// (or fixtures) at the reader interface.
import { describe, expect, it } from 'vitest';
import { createSource } from '../src/cluster/create-source.js';
import type { ClusterSource } from '../src/cluster/reader.js';
import { createLogger } from '../src/logger.js';
import { TokenAuthenticator } from '../src/cluster/access/token-authenticator.js';
import { appAccess } from '../src/server/auth-setup.js';
import { bearerAuthenticator } from '../src/server/auth-token.js';
import { createApp, type App } from '../src/server/create-app.js';
import { FakeAccessReviewer } from './support/fake-access-reviewer.js';
import { configMap, fixtureSource, kustomization, PIPELINE_LABEL } from './support/fixtures.js';
import { clientFor, type GraphQLResponse } from './support/graphql-client.js';
import { PIPELINE_QUERY } from './queries/demo-expectations.js';

const DEFINITIONS = ['pipelines', 'pipelinestages', 'configmaps'];
// Workloads are Deployments, StatefulSets and DaemonSets: reading a release's needs all three.
const RELEASES = ['kustomizations', 'helmreleases', 'deployments', 'statefulsets', 'daemonsets'];
const TOKENS = { alice: 'alice-token.abc', bob: 'bob-token.def', carol: 'carol-token.ghi' };

interface Harness {
  app: App;
  reviewer: FakeAccessReviewer;
  logs: string[];
  clock: { now: number };
  query(token: string | null, document: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
}

/** alice (team-a) reads dev, bob (team-b) reads prod; both read the definitions in flux-system; carol reads nothing. */
async function harness(source?: ClusterSource, ttlMs = 10_000): Promise<Harness> {
  const reviewer = new FakeAccessReviewer();
  reviewer.tokens.set(TOKENS.alice, { user: 'alice', groups: ['team-a', 'system:authenticated'] });
  reviewer.tokens.set(TOKENS.bob, { user: 'bob', groups: ['team-b', 'system:authenticated'] });
  reviewer.tokens.set(TOKENS.carol, { user: 'carol', groups: ['system:authenticated'] });
  reviewer.grant({ group: 'team-a' }, DEFINITIONS, ['flux-system']).grant({ group: 'team-a' }, RELEASES, ['dev']);
  reviewer.grant({ group: 'team-b' }, DEFINITIONS, ['flux-system']).grant({ group: 'team-b' }, RELEASES, ['prod']);
  const clock = { now: Date.parse('2026-11-26T10:00:00Z') };
  const logs: string[] = [];
  const logger = createLogger('trace', { write: (line: string) => void logs.push(line) });
  const app = createApp({
    source: source ?? (await createSource({ type: 'demo' })),
    logger,
    access: appAccess({ mode: 'token', cacheTtlMs: ttlMs }, reviewer, () => clock.now),
  });
  const client = clientFor(app);
  return {
    app,
    reviewer,
    logs,
    clock,
    query: (token, document, variables, headers = {}) =>
      client.query(document, variables, token === null ? headers : { authorization: `Bearer ${token}`, ...headers }),
  };
}

const HYBRID = { approach: 'HYBRID', name: 'example-pipeline' };
const releasesPerStage = (response: GraphQLResponse) =>
  response.data!.pipeline.stages.map((s: any) => (s.releases === null ? null : s.releases.map((r: any) => `${r.kind}/${r.namespace}/${r.name}`)));

describe('--auth token: authentication', () => {
  it('refuses a request without a token with 401, UNAUTHENTICATED, a Bearer challenge and no data', async () => {
    const h = await harness();
    const response = await h.app.fetch('http://test.local/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ pipelines { name } }' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    const body = await response.json();
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{ message: expect.stringContaining('Authorization: Bearer'), extensions: { code: 'UNAUTHENTICATED', requestId: expect.any(String) } }]);
    expect(h.reviewer.tokenReviews).toEqual([]);
  });

  it.each([
    ['a malformed header', { authorization: 'Basic YWxpY2U6c2VjcmV0' }],
    ['a token with spaces', { authorization: 'Bearer two words' }],
    ['an unknown token', { authorization: 'Bearer unknown-token-123' }],
  ])('refuses %s with 401 and no data', async (_what, headers) => {
    const h = await harness();
    const response = await h.query(null, '{ pipelines { name } }', undefined, headers);
    expect(response.status).toBe(401);
    expect(response.data).toBeUndefined();
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('fails closed with 503 and no data when the TokenReview cannot be made', async () => {
    const h = await harness();
    h.reviewer.failTokenReviews = true;
    const response = await h.query(TOKENS.alice, '{ pipelines { name } }');
    expect(response.status).toBe(503);
    expect(response.data).toBeUndefined();
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['KUBERNETES_UNAVAILABLE']);
    // Not remembered: once the API server answers again, so does the service.
    h.reviewer.failTokenReviews = false;
    expect((await h.query(TOKENS.alice, '{ pipelines(approach: CM) { name } }')).status).toBe(200);
  });

  it('reviews a token once per cache period, and again once the period is over', async () => {
    const h = await harness();
    for (let i = 0; i < 5; i++) expect((await h.query(TOKENS.alice, '{ pipelines(approach: CM) { name } }')).status).toBe(200);
    expect(h.reviewer.tokenReviews).toHaveLength(1);
    h.clock.now += 10_001;
    await h.query(TOKENS.alice, '{ pipelines(approach: CM) { name } }');
    expect(h.reviewer.tokenReviews).toHaveLength(2);
  });

  it('makes one review for a burst of concurrent requests by one caller', async () => {
    const h = await harness();
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.query(TOKENS.bob, PIPELINE_QUERY, HYBRID)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(h.reviewer.tokenReviews).toHaveLength(1);
    const questions = h.reviewer.listQuestions.map((q) => `${q.resource} ${q.namespace}`);
    expect(questions.length).toBe(new Set(questions).size);
  });

  it('never trusts a cached answer past the expiry of a JWT', async () => {
    const h = await harness();
    const exp = Math.floor(h.clock.now / 1000) + 3; // 3 s, well inside the 10 s cache period
    const jwt = ['{"alg":"none"}', JSON.stringify({ sub: 'dave', exp }), 'sig'].map((p, i) => (i < 2 ? Buffer.from(p).toString('base64url') : p)).join('.');
    h.reviewer.tokens.set(jwt, { user: 'alice', groups: ['team-a'] });
    await h.query(jwt, '{ pipelines(approach: CM) { name } }');
    await h.query(jwt, '{ pipelines(approach: CM) { name } }');
    expect(h.reviewer.tokenReviews).toHaveLength(1);
    h.clock.now += 3_000;
    h.reviewer.tokens.delete(jwt); // the API server no longer accepts it
    const response = await h.query(jwt, '{ pipelines(approach: CM) { name } }');
    expect(h.reviewer.tokenReviews).toHaveLength(2);
    expect(response.status).toBe(401);
  });

  it('never writes a token to a log line, whether accepted, rejected, or its review failed', async () => {
    const h = await harness();
    const secret = 'Zm9vYmFyLXNlY3JldC10b2tlbi12YWx1ZQ';
    h.reviewer.tokens.set(secret, { user: 'alice', groups: ['team-a'] });
    await h.query(secret, PIPELINE_QUERY, HYBRID);
    await h.query(`${secret}x`, PIPELINE_QUERY, HYBRID);
    h.reviewer.failTokenReviews = true;
    await h.query(`${secret}y`, PIPELINE_QUERY, HYBRID);
    h.reviewer.failTokenReviews = false;
    h.reviewer.failListReviews = true;
    h.clock.now += 60_000;
    await h.query(secret, PIPELINE_QUERY, HYBRID);
    expect(h.logs.length).toBeGreaterThan(4);
    expect(h.logs.join('')).toContain('"user":"alice"'); // the log is there, and says who
    for (const line of h.logs) expect(line).not.toContain(secret);
  });

  it('serves the GraphiQL page without a token, with the Authorization header to fill in', async () => {
    const h = await harness();
    const response = await h.app.fetch('http://test.local/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Authorization');
  });
});

describe('--auth token: re-checking a long-lived request (what a subscription asks per event)', () => {
  it('says the caller is still authenticated until the API server stops accepting the token and the cache period ends', async () => {
    const reviewer = new FakeAccessReviewer();
    reviewer.tokens.set(TOKENS.alice, { user: 'alice', groups: [] });
    const clock = { now: 0 };
    const authenticator = bearerAuthenticator(new TokenAuthenticator(reviewer, { ttlMs: 10_000, now: () => clock.now }));
    const result = await authenticator.authenticate(new Request('http://test.local/graphql', { headers: { authorization: `Bearer ${TOKENS.alice}` } }), undefined);
    if (!('identity' in result) || !result.recheck) throw new Error('not authenticated');
    expect(await result.recheck()).toBe(true);
    reviewer.tokens.delete(TOKENS.alice); // say, its ServiceAccount was deleted
    expect(await result.recheck()).toBe(true); // within the cache period
    clock.now += 10_001;
    expect(await result.recheck()).toBe(false);
    expect(reviewer.tokenReviews).toHaveLength(2);
  });
});

describe('--auth token: authorization', () => {
  it("shows each user their own stages' releases and FORBIDDEN at the others, the rest intact", async () => {
    const h = await harness();
    const alice = await h.query(TOKENS.alice, PIPELINE_QUERY, HYBRID);
    const bob = await h.query(TOKENS.bob, PIPELINE_QUERY, HYBRID);
    expect(releasesPerStage(alice)).toEqual([
      ['Kustomization/dev/dev', 'HelmRelease/dev/podinfo-pipeline-helm'],
      null,
      null,
    ]);
    expect(releasesPerStage(bob)).toEqual([null, null, ['Kustomization/prod/prod', 'HelmRelease/prod/podinfo-pipeline-helm']]);
    expect(alice.errors).toEqual([
      expect.objectContaining({ path: ['pipeline', 'stages', 1, 'releases'], extensions: expect.objectContaining({ code: 'FORBIDDEN', namespace: 'staging' }) }),
      expect.objectContaining({ path: ['pipeline', 'stages', 2, 'releases'], extensions: expect.objectContaining({ code: 'FORBIDDEN', namespace: 'prod' }) }),
    ]);
    // Workloads of what alice may read are there in full.
    expect(alice.data!.pipeline.stages[0].releases[0].workloads.map((w: any) => w.name)).toEqual(['podinfo', 'podinfo-2']);
  });

  it('gives a user who may not read a namespace the same answer for a pipeline that exists there and one that does not', async () => {
    const h = await harness();
    const same = { 'x-request-id': 'same-request-id' };
    for (const approach of ['HYBRID', 'CM', 'CRD', 'STAGE']) {
      const existing = { HYBRID: 'example-pipeline', CM: 'example-pipeline', CRD: 'example-pipeline-crd', STAGE: 'example-pipeline-stage' }[approach];
      const real = await h.query(TOKENS.carol, PIPELINE_QUERY, { approach, name: existing }, same);
      const missing = await h.query(TOKENS.carol, PIPELINE_QUERY, { approach, name: 'no-such-pipeline' }, same);
      expect(real.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(real).toEqual(missing);
    }
  });

  it('gives the same answer for an existing and a missing pipeline also when one document lists all namespaces too', async () => {
    // The loaders serve a by-namespace list from an all-namespace one of the same kind in the
    // same batch, cut to what the caller may read: nothing of a forbidden namespace, whether or
    // not it exists. A lookup by name (the store's `get`) is authorized on its own: FORBIDDEN.
    const h = await harness();
    const same = { 'x-request-id': 'batched' };
    const document = (name: string) => `{ pipelines(approach: CM) { name } pipeline(approach: CM, name: "${name}", namespace: "flux-system") { name } }`;
    const real = await h.query(TOKENS.carol, document('example-pipeline'), undefined, same);
    const missing = await h.query(TOKENS.carol, document('no-such-pipeline'), undefined, same);
    expect(real.data).toEqual({ pipelines: [], pipeline: null });
    expect(real.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(real).replaceAll('example-pipeline', 'NAME')).toEqual(JSON.stringify(missing).replaceAll('no-such-pipeline', 'NAME'));
  });

  it('answers a namespace list batched with an all-namespace one the same whether the forbidden namespace holds a pipeline or not', async () => {
    // `pipelines(namespace)` alone is FORBIDDEN; beside `pipelines` of every namespace it is
    // served from that list, cut to what the caller may read: empty, with no error. Less
    // precise than FORBIDDEN, but it tells nothing about what exists there.
    const shop = configMap('shop', { pipelines: 'stages:\n  - {name: dev, namespace: team-a, order: 1}\n' }, 'team-a');
    const bank = configMap('bank', { pipelines: 'stages:\n  - {name: dev, namespace: team-b, order: 1}\n' }, 'team-b');
    const document = '{ all: pipelines(approach: CM) { name } there: pipelines(approach: CM, namespace: "team-b") { name } }';
    const answers = [];
    for (const world of [[shop, bank], [shop]]) {
      const h = await harness(fixtureSource(world));
      h.reviewer.grant({ user: 'alice' }, ['configmaps', 'kustomizations', 'helmreleases'], ['team-a']);
      answers.push(await h.query(TOKENS.alice, document, undefined, { 'x-request-id': 'batched-namespace' }));
    }
    expect(answers[0]).toEqual({ status: 200, data: { all: [{ name: 'shop' }], there: [] } });
    expect(answers[1]).toEqual(answers[0]);
  });

  it('leaves out of `pipelines` what a user may not read, without counting it', async () => {
    const world = [
      configMap('shop', { pipelines: 'stages:\n  - {name: dev, namespace: team-a, order: 1}\n' }, 'team-a'),
      configMap('bank', { pipelines: 'stages:\n  - {name: dev, namespace: team-b, order: 1}\n' }, 'team-b'),
      kustomization('team-a', 'shop-app', { [PIPELINE_LABEL]: 'shop' }),
      kustomization('team-b', 'bank-app', { [PIPELINE_LABEL]: 'bank' }),
    ];
    const h = await harness(fixtureSource(world));
    h.reviewer.grant({ user: 'alice' }, ['configmaps', 'kustomizations', 'helmreleases'], ['team-a']);
    h.reviewer.grant({ user: 'bob' }, ['configmaps', 'kustomizations', 'helmreleases'], ['team-b']);
    h.reviewer.grant({ user: 'admin' }, ['configmaps', 'kustomizations', 'helmreleases'], ['']);
    h.reviewer.tokens.set('admin-token', { user: 'admin', groups: [] });
    const document = '{ pipelines(approach: CM) { namespace name stages { releases { namespace name } } } }';
    const answers = Object.fromEntries(
      await Promise.all(['alice', 'bob', 'carol', 'admin'].map(async (who) => [who, await h.query(who === 'admin' ? 'admin-token' : TOKENS[who as keyof typeof TOKENS], document)])),
    );
    const shop = { namespace: 'team-a', name: 'shop', stages: [{ releases: [{ namespace: 'team-a', name: 'shop-app' }] }] };
    const bank = { namespace: 'team-b', name: 'bank', stages: [{ releases: [{ namespace: 'team-b', name: 'bank-app' }] }] };
    expect(answers.alice).toEqual({ status: 200, data: { pipelines: [shop] } });
    expect(answers.bob).toEqual({ status: 200, data: { pipelines: [bank] } });
    expect(answers.carol).toEqual({ status: 200, data: { pipelines: [] } });
    expect(answers.admin).toEqual({ status: 200, data: { pipelines: [shop, bank] } });
    // The admin's cluster-wide grant answers with one review for the kind, not one per namespace.
    expect(h.reviewer.listQuestions.filter((q) => q.identity.user === 'admin' && q.resource === 'configmaps').map((q) => q.namespace)).toEqual(['']);
  });

  it('asks each (user, groups, kind, namespace) once per cache period; a revoked grant stops reads when it ends', async () => {
    const h = await harness();
    await h.query(TOKENS.alice, PIPELINE_QUERY, HYBRID);
    const reviews = h.reviewer.listQuestions.length;
    for (let i = 0; i < 3; i++) await h.query(TOKENS.alice, PIPELINE_QUERY, HYBRID);
    expect(h.reviewer.listQuestions.length).toBe(reviews);
    h.reviewer.revoke({ group: 'team-a' }, RELEASES, ['dev']);
    h.clock.now += 9_000; // within the period: the cached answer still holds
    expect(releasesPerStage(await h.query(TOKENS.alice, PIPELINE_QUERY, HYBRID))[0]).toHaveLength(2);
    h.clock.now += 1_001; // past it: asked again, refused
    expect(releasesPerStage(await h.query(TOKENS.alice, PIPELINE_QUERY, HYBRID))).toEqual([null, null, null]);
  });

  it('keys decisions by groups too: the same user name with other groups is asked again', async () => {
    const h = await harness();
    h.reviewer.tokens.set('alice-other-groups', { user: 'alice', groups: ['team-b'] });
    expect(releasesPerStage(await h.query(TOKENS.alice, PIPELINE_QUERY, HYBRID))[0]).toHaveLength(2);
    expect(releasesPerStage(await h.query('alice-other-groups', PIPELINE_QUERY, HYBRID))).toEqual([null, null, expect.any(Array)]);
  });

  it('fails closed when a SubjectAccessReview cannot be made: errors, never data', async () => {
    const h = await harness();
    h.reviewer.failListReviews = true;
    const one = await h.query(TOKENS.alice, PIPELINE_QUERY, HYBRID);
    expect(one.data).toEqual({ pipeline: null });
    expect(one.errors?.map((e) => e.extensions?.code)).toEqual(['KUBERNETES_UNAVAILABLE']);
    const all = await h.query(TOKENS.alice, '{ pipelines { name stages { releases { name } } } }');
    expect(JSON.stringify(all.data)).not.toMatch(/example-pipeline|podinfo/);
    expect(all.errors?.length).toBeGreaterThan(0);
    expect(new Set(all.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['KUBERNETES_UNAVAILABLE']));
  });

  it('puts the caller into the RequestScope every reader gets', async () => {
    const demo = await createSource({ type: 'demo' });
    const scopes: unknown[] = [];
    const recording: ClusterSource = { ...demo, description: demo.description, checkReady: (s) => demo.checkReady(s), readerFor: (scope) => (scopes.push(scope.identity), demo.readerFor(scope)) };
    const h = await harness(recording);
    await h.query(TOKENS.bob, '{ pipelines(approach: CM) { name } }');
    expect(scopes).toEqual([{ user: 'bob', groups: ['team-b', 'system:authenticated'] }]);
  });
});
