// The query result cache, through the whole HTTP handling path (yoga.fetch): what may be
// served again, and every change that must give a fresh answer. Reads are counted at the
// reader interface; the source is the demo snapshot's own store.
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSource } from '../src/cluster/create-source.js';
import type { KubeObject } from '../src/cluster/kube-object.js';
import type { ClusterReader, ClusterSource } from '../src/cluster/reader.js';
import type { SnapshotSource } from '../src/cluster/snapshot/snapshot-source.js';
import { createLogger } from '../src/logger.js';
import { renderMetrics } from '../src/metrics.js';
import { appAccess } from '../src/server/auth-setup.js';
import { createApp, type App } from '../src/server/create-app.js';
import { createHttpServer } from '../src/server/http-server.js';
import { ResultCache, fromText, type EncodedResult } from '../src/server/result-cache.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { FakeAccessReviewer } from './support/fake-access-reviewer.js';
import { clientFor, type GraphQLClient } from './support/graphql-client.js';
import { interceptedReads } from './support/intercepted-reads.js';

const QUERY = `query One($name: String!) {
  pipeline(approach: HYBRID, name: $name) { name freshness { stale } stages { name releases { name version } } }
}`;
const VARIABLES = { name: 'example-pipeline' };

/** The demo source, with every read of every request counted. */
function counted(source: SnapshotSource): ClusterSource & { reads: () => number } {
  let reads = 0;
  const count = (reader: ClusterReader): ClusterReader =>
    new Proxy(reader, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || property === 'freshness') return value;
        return (...args: unknown[]) => {
          reads++;
          return value.apply(target, args);
        };
      },
    });
  return {
    description: source.description,
    readerFor: (scope) => count(source.readerFor()),
    checkReady: () => source.checkReady(),
    subscribe: (listener) => source.subscribe(listener),
    generation: () => source.generation(),
    reads: () => reads,
  };
}

/** A Flux release of the demo with a new applied revision: what a watch event would bring. */
function bumped(source: SnapshotSource, version: string): KubeObject {
  const current = source.store.get('HelmRelease', 'dev', 'podinfo-pipeline-helm')!;
  const status = structuredClone(current.status) as { history: { chartVersion: string }[] };
  status.history[0]!.chartVersion = version;
  return { ...current, metadata: { ...current.metadata, resourceVersion: version }, status };
}

const devHelmVersion = (data: any): string => data.pipeline.stages[0].releases.find((r: any) => r.name === 'podinfo-pipeline-helm').version;

describe('query result cache (anonymous)', () => {
  let demo: SnapshotSource;
  let source: ReturnType<typeof counted>;
  let app: App;
  let client: GraphQLClient;

  beforeEach(async () => {
    demo = (await createSource({ type: 'demo' })) as SnapshotSource;
    source = counted(demo);
    app = createApp({ source, logger: createLogger('silent') });
    client = clientFor(app);
  });

  it('answers a repeated query without reading again, with the same answer', async () => {
    const first = await client.query(QUERY, VARIABLES);
    const reads = source.reads();
    expect(reads).toBeGreaterThan(0);
    const second = await client.query(QUERY, VARIABLES);
    expect(second).toEqual(first);
    expect(source.reads()).toBe(reads);
    // Other variables are another answer.
    const other = await client.query(QUERY, { name: 'no-such-pipeline' });
    expect(other.data).toEqual({ pipeline: null });
    expect(source.reads()).toBeGreaterThan(reads);
  });

  it('sends a kept answer as its text: nothing parses it back, when it is kept or when it is served again', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const answerParses = () => parse.mock.calls.filter(([text]) => typeof text === 'string' && text.startsWith('{"data"')).length;
      // One answer kept whole, one assembled from a kept part; each asked three times, with each
      // response type Yoga writes JSON for.
      const documents = [QUERY, '{ pipeline(approach: HYBRID, name: "example-pipeline") { name stages { name releases { name version } } } }'];
      for (const query of documents) {
        for (const accept of ['application/json', 'application/graphql-response+json', 'application/json']) {
          const response = await app.fetch('http://localhost/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept },
            body: JSON.stringify({ query, variables: VARIABLES }),
          });
          expect(response.status).toBe(200);
          expect(((await response.json()) as { data: { pipeline: { name: string } } }).data.pipeline.name).toBe('example-pipeline');
        }
      }
      // The client's own JSON.parse of each response above is the only one: six.
      expect(answerParses()).toBe(6);
    } finally {
      parse.mockRestore();
    }
  });

  it('is off with a byte bound of 0 (--result-cache-mb 0): a repeated query reads again, with the same answer', async () => {
    const uncached = clientFor(createApp({ source, logger: createLogger('silent'), resultCacheBytes: 0 }));
    const first = await uncached.query(QUERY, VARIABLES);
    const reads = source.reads();
    expect(reads).toBeGreaterThan(0);
    expect(await uncached.query(QUERY, VARIABLES)).toEqual(first);
    expect(source.reads()).toBe(2 * reads);
  });

  it('gives a fresh answer after a store change', async () => {
    const before = await client.query(QUERY, VARIABLES);
    demo.store.upsert('HelmRelease', bumped(demo, '9.9.9'));
    const after = await client.query(QUERY, VARIABLES);
    expect(devHelmVersion(after.data)).toBe('9.9.9');
    expect(devHelmVersion(before.data)).not.toBe('9.9.9');
  });

  it('gives a fresh answer when a feed goes stale and when it comes back', async () => {
    expect((await client.query(QUERY, VARIABLES)).data!.pipeline.freshness.stale).toBe(false);
    demo.store.setStatus('HelmRelease', { stale: true });
    expect((await client.query(QUERY, VARIABLES)).data!.pipeline.freshness.stale).toBe(true);
    demo.store.setStatus('HelmRelease', { stale: false });
    expect((await client.query(QUERY, VARIABLES)).data!.pipeline.freshness.stale).toBe(false);
  });

  it('counts a served answer in /metrics like any other', async () => {
    const count = async () => {
      const { body } = await renderMetrics();
      const line = body.split('\n').find((l) => l.startsWith('flux_pipelines_graphql_requests_total{operation="One",outcome="ok"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    await client.query(QUERY, VARIABLES);
    const reads = source.reads();
    const before = await count();
    await client.query(QUERY, VARIABLES);
    expect(source.reads()).toBe(reads);
    expect(await count()).toBe(before + 1);
  });

  it('does not keep an answer with a failed read behind it, though the failure became data (UNKNOWN), not an error', async () => {
    let failNext = true;
    const flaky = interceptedReads(source, async (kind) => {
      if (failNext && kind === 'Deployment') {
        failNext = false;
        throw new Error('the API server went away for a moment');
      }
    });
    const health = '{ pipeline(approach: HYBRID, name: "example-pipeline") { health stages { name health } } }';
    const client = clientFor(createApp({ source: flaky, logger: createLogger('silent') }));
    const hurt = await client.query(health);
    expect(hurt.errors).toBeUndefined();
    expect(hurt.data!.pipeline.health).toBe('UNKNOWN');
    // Nothing changed in the store: a kept answer would be served again.
    expect((await client.query(health)).data!.pipeline.health).toBe('HEALTHY');
  });

  it('does not keep answers with errors: each carries its own request id', async () => {
    // The missing pipeline's error comes after a read, so executing again shows as reads (the
    // other field's part is kept across answers: src/server/pipeline-parts.ts).
    const broken = '{ pipeline(approach: HYBRID, name: "example-pipeline") { name } bad: pipeline(approach: HYBRID, name: "no-such-pipeline") { name } }';
    const a = await client.query(broken, undefined, { 'x-request-id': 'first-request' });
    const reads = source.reads();
    const b = await client.query(broken, undefined, { 'x-request-id': 'second-request' });
    expect(a.errors?.length).toBeGreaterThan(0);
    expect(a.errors!.every((e) => e.extensions?.requestId === 'first-request')).toBe(true);
    expect(b.errors!.every((e) => e.extensions?.requestId === 'second-request')).toBe(true);
    expect(source.reads()).toBeGreaterThan(reads);
  });
});

describe('a served answer on the HTTP server', () => {
  it('is the same bytes as the first, with its own request id, access-log line and metrics count', async () => {
    const lines: Record<string, any>[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const demo = (await createSource({ type: 'demo' })) as SnapshotSource;
    const source = counted(demo);
    const server = createHttpServer({ app: createApp({ source, logger }), source, logger, isDraining: () => false, maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const served = async () => {
      const { body } = await renderMetrics();
      const line = body.split('\n').find((l) => l.startsWith('flux_pipelines_graphql_requests_total{operation="One",outcome="ok"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    try {
      const { port } = (server.address() as AddressInfo);
      const send = async (requestId: string) => {
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': requestId },
          body: JSON.stringify({ query: QUERY, variables: VARIABLES }),
        });
        return { id: response.headers.get('x-request-id'), type: response.headers.get('content-type'), text: await response.text() };
      };
      const first = await send('first-1');
      const reads = source.reads();
      const countBefore = await served();
      const second = await send('second-1');
      expect(source.reads()).toBe(reads); // not executed again
      expect(second.text).toBe(first.text);
      expect(JSON.parse(second.text).data.pipeline.name).toBe('example-pipeline');
      expect(second.type).toBe('application/json; charset=utf-8');
      expect(second.id).toBe('second-1');
      expect(await served()).toBe(countBefore + 1);
      expect(lines.filter((l) => l.msg === 'request' && l.requestId === 'second-1')).toEqual([
        expect.objectContaining({ method: 'POST', path: '/graphql', status: 200, durationMs: expect.any(Number) }),
      ]);
      // An object change: the next answer is computed again, and differs.
      demo.store.upsert('HelmRelease', bumped(demo, '9.9.9'));
      const third = await send('third-1');
      expect(source.reads()).toBeGreaterThan(reads);
      expect(third.text).not.toBe(first.text);
      expect(devHelmVersion(JSON.parse(third.text).data)).toBe('9.9.9');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('builds no deadline signal for a served answer, and one for an answer computed', async () => {
    const app = createApp({ source: await createSource({ type: 'demo' }), logger: createLogger('silent') });
    const client = clientFor(app);
    const any = vi.spyOn(AbortSignal, 'any');
    try {
      expect((await client.query(QUERY, VARIABLES)).data?.pipeline?.name).toBe('example-pipeline');
      const computed = any.mock.calls.length;
      expect(computed).toBeGreaterThan(0);
      expect((await client.query(QUERY, VARIABLES)).data?.pipeline?.name).toBe('example-pipeline');
      expect(any.mock.calls.length).toBe(computed);
    } finally {
      any.mockRestore();
    }
  });
});

describe('query result cache (per-user access)', () => {
  const TOKENS = { alice: 'alice-token.abc', bob: 'bob-token.def' };
  const ALL = ['pipelines', 'pipelinestages', 'configmaps', 'kustomizations', 'helmreleases', 'deployments', 'statefulsets', 'daemonsets'];

  async function harness(ttlMs: number) {
    const reviewer = new FakeAccessReviewer();
    reviewer.tokens.set(TOKENS.alice, { user: 'alice', groups: ['team-a'] });
    reviewer.tokens.set(TOKENS.bob, { user: 'bob', groups: ['team-b'] });
    reviewer.grant({ user: 'alice' }, ALL, ['flux-system', 'dev', 'staging', 'prod']);
    reviewer.grant({ user: 'bob' }, ALL, ['flux-system']);
    const clock = { now: Date.parse('2026-11-26T10:00:00Z') };
    const app = createApp({
      source: (await createSource({ type: 'demo' })) as SnapshotSource,
      logger: createLogger('silent'),
      access: appAccess({ mode: 'token', cacheTtlMs: ttlMs }, reviewer, () => clock.now),
    });
    const client = clientFor(app);
    const as = (who: keyof typeof TOKENS) => client.query(QUERY, VARIABLES, { authorization: `Bearer ${TOKENS[who]}` });
    return { reviewer, clock, as };
  }

  it('never gives one caller the answer computed for another', async () => {
    const h = await harness(60_000);
    const alice = await h.as('alice');
    expect(alice.errors).toBeUndefined();
    const bob = await h.as('bob');
    expect(bob.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    expect(bob.data).not.toEqual(alice.data);
  });

  it('stops serving a revoked caller once the access-review TTL has passed', async () => {
    const h = await harness(10_000);
    expect((await h.as('alice')).errors).toBeUndefined();
    h.reviewer.revoke({ user: 'alice' }, ['helmreleases', 'kustomizations'], ['dev']);
    h.clock.now += 10_001;
    const after = await h.as('alice');
    expect(after.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
  });
});

// The harness above gives the access policy a clock of its own while the result cache reads
// Date.now, so nothing is ever cached there. Here both read the one (faked) Date, as in
// production: answers are cached, and the key must still keep callers apart.
describe('query result cache (per-user access, one clock)', () => {
  const ALL = ['pipelines', 'pipelinestages', 'configmaps', 'kustomizations', 'helmreleases', 'deployments', 'statefulsets', 'daemonsets'];
  const TOKENS = { alice: 'alice-token.abc', bob: 'bob-token.def', carolTeam: 'carol-team.ghi', carolAlone: 'carol-alone.jkl' };

  afterEach(() => {
    vi.useRealTimers();
  });

  async function harness(ttlMs: number) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-26T10:00:00Z'));
    const reviewer = new FakeAccessReviewer();
    reviewer.tokens.set(TOKENS.alice, { user: 'alice', groups: ['team-a'] });
    reviewer.tokens.set(TOKENS.bob, { user: 'bob', groups: ['team-b'] });
    // One user, two tokens: only the groups differ.
    reviewer.tokens.set(TOKENS.carolTeam, { user: 'carol', groups: ['team-c'] });
    reviewer.tokens.set(TOKENS.carolAlone, { user: 'carol', groups: [] });
    reviewer.grant({ user: 'alice' }, ALL, ['flux-system', 'dev', 'staging', 'prod']);
    reviewer.grant({ user: 'bob' }, ALL, ['flux-system']);
    reviewer.grant({ group: 'team-c' }, ALL, ['']);
    const source = counted((await createSource({ type: 'demo' })) as SnapshotSource);
    const app = createApp({ source, logger: createLogger('silent'), access: appAccess({ mode: 'token', cacheTtlMs: ttlMs }, reviewer) });
    const client = clientFor(app);
    const as = (who: keyof typeof TOKENS) => client.query(QUERY, VARIABLES, { authorization: `Bearer ${TOKENS[who]}` });
    return { reviewer, source, as };
  }

  it('serves a caller their own cached answer, and never another user\'s', async () => {
    const h = await harness(60_000);
    const alice = await h.as('alice');
    expect(alice.errors).toBeUndefined();
    const reads = h.source.reads();
    expect(await h.as('alice')).toEqual(alice);
    expect(h.source.reads()).toBe(reads); // served from the cache
    const bob = await h.as('bob');
    expect(bob.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
  });

  it('keys answers by groups too: the same user without the granting group is refused', async () => {
    const h = await harness(60_000);
    expect((await h.as('carolTeam')).errors).toBeUndefined();
    const alone = await h.as('carolAlone');
    expect(alone.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
  });

  it('stops serving a cached answer to a revoked caller once the access-review TTL has passed', async () => {
    const h = await harness(10_000);
    const before = await h.as('alice');
    expect(before.errors).toBeUndefined();
    h.reviewer.revoke({ user: 'alice' }, ['helmreleases', 'kustomizations'], ['dev']);
    vi.setSystemTime(Date.now() + 10_001);
    const after = await h.as('alice');
    expect(after.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
  });
});

describe('ResultCache', () => {
  const result = (n: number) => ({ data: { n, padding: 'x'.repeat(1000) } });

  it('gives back what it keeps with its JSON text, used for that very object only', () => {
    const cache = new ResultCache(1_000_000);
    const kept = cache.set('a', 1, { data: { n: 1 } }, Infinity) as EncodedResult;
    expect(kept.stringify!(kept)).toBe('{"data":{"n":1}}');
    const served = cache.get('a', 1)!;
    expect(served.stringify!(served)).toBe('{"data":{"n":1}}');
    expect(JSON.stringify(served)).toBe('{"data":{"n":1}}'); // the encoder is not part of the answer
    // A plugin that replaces the result gets its own result encoded, not the kept text.
    const replaced = { ...served, errors: [{ message: 'm' }] };
    expect(served.stringify!(replaced as never)).toBe('{"data":{"n":1},"errors":[{"message":"m"}]}');
    // Not kept (too large): returned as given, nothing attached.
    const big = { data: { padding: 'x'.repeat(300_000) } };
    expect(cache.set('b', 1, big, Infinity)).toBe(big);
    expect(fromText(JSON.stringify(big)).stringify!(big)).toBe(JSON.stringify(big));
  });

  it('keeps only the text: its fields are read back from it, and writing one replaces it', () => {
    const cache = new ResultCache(1_000_000);
    const given = { data: { n: 1, list: [{ a: 'x' }] } };
    const kept = cache.set('a', 1, given, Infinity);
    // Changing the executor's objects afterwards changes nothing kept: nothing of them is held.
    given.data.list[0]!.a = 'changed';
    const served = cache.get('a', 1)!;
    expect(served.data).toEqual({ n: 1, list: [{ a: 'x' }] });
    expect(Object.keys(served)).toEqual(['data']);
    expect({ ...served }).toEqual({ data: { n: 1, list: [{ a: 'x' }] } });
    // Each read parses afresh: a consumer changing what it read changes nothing kept either.
    (served.data as { n: number }).n = 2;
    expect(served.data).toEqual({ n: 1, list: [{ a: 'x' }] });
    expect(served.stringify!(served)).toBe('{"data":{"n":1,"list":[{"a":"x"}]}}');
    // A field written is the value written (the text still answers for the object as kept).
    (kept as { data: unknown }).data = { n: 3 };
    expect(kept.data).toEqual({ n: 3 });
  });

  it('writes no field the text does not hold: an undefined one is left out, as JSON.stringify leaves it', () => {
    const encoded = new ResultCache(1_000_000).set('a', 1, { data: { n: 1 }, errors: undefined }, Infinity) as EncodedResult;
    expect('errors' in encoded).toBe(false);
    expect(Object.keys(encoded)).toEqual(['data']);
    expect(encoded.stringify!(encoded)).toBe('{"data":{"n":1}}');
  });

  it('counts a fixed cost for every answer, so many small ones cannot outgrow the bound', () => {
    // 400 bytes an entry besides its text and key: what a small answer mostly costs.
    const cache = new ResultCache(10_000);
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, 1, { data: { n: i } }, Infinity);
    expect(cache.bytes).toBeLessThanOrEqual(10_000);
    expect(cache.size).toBeLessThanOrEqual(10_000 / 400);
  });

  it('drops the least recently used answers beyond its byte bound', () => {
    const cache = new ResultCache(20_000);
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, 1, result(i), Infinity);
    expect(cache.bytes).toBeLessThanOrEqual(20_000);
    expect(cache.get('k0', 1)).toBeUndefined();
    expect(cache.get('k9', 1)).toEqual(result(9));
  });

  it('counts its keys against the byte bound: variables the query never reads still make a key', () => {
    // A small answer under a key holding ~60 KB of variables (what one request body allows):
    // counting the answer alone let such entries grow far past the bound.
    const cache = new ResultCache(200_000);
    for (let i = 0; i < 100; i++) cache.set(`${i}\n${'v'.repeat(60_000)}`, 1, { data: { __typename: 'Query' } }, Infinity);
    expect(cache.bytes).toBeLessThanOrEqual(200_000);
    expect(cache.size).toBeLessThanOrEqual(2);
  });

  it('serves nothing from an older generation, and nothing past its validity', () => {
    let now = 1_000;
    const cache = new ResultCache(1_000_000, () => now);
    cache.set('a', 1, result(1), 2_000);
    expect(cache.get('a', 1)).toEqual(result(1));
    expect(cache.get('a', 2)).toBeUndefined();
    cache.set('b', 2, result(2), 2_000);
    now = 2_000;
    expect(cache.get('b', 2)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});

describe('per-request deadline timers', () => {
  it('are cleared once a query is answered, so nothing of the request is kept alive until its deadline', async () => {
    const { vi } = await import('vitest');
    const app = createApp({ source: await createSource({ type: 'demo' }), logger: createLogger('silent') });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const client = clientFor(app);
      const before = vi.getTimerCount();
      for (let i = 0; i < 5; i++) expect((await client.query(QUERY, VARIABLES)).data?.pipeline?.name).toBe('example-pipeline');
      expect(vi.getTimerCount()).toBe(before);
    } finally {
      vi.useRealTimers();
    }
  });
});
