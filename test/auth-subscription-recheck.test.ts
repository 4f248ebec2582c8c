// A subscription on a pipeline that does not change is re-checked on a timer (the review
// cache's TTL): a caller whose token or RBAC was revoked is not kept connected by a quiet
// pipeline. The API server's reviews are faked at the AccessReviewer interface, the data is
// the demo snapshot at the reader interface, and time is fake (timers and the review
// caches' clock), so nothing here waits for real time.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { livePipeline } from '../src/approaches/live-pipeline.js';
import { PipelineService } from '../src/approaches/pipeline-service.js';
import { createSource } from '../src/cluster/create-source.js';
import { ClusterLoaders } from '../src/cluster/loaders.js';
import type { KubeObject } from '../src/cluster/kube-object.js';
import type { SnapshotSource } from '../src/cluster/snapshot/snapshot-source.js';
import { createLogger } from '../src/logger.js';
import { appAccess } from '../src/server/auth-setup.js';
import { createApp, type App } from '../src/server/create-app.js';
import { FakeAccessReviewer } from './support/fake-access-reviewer.js';
import { sseReader, type SseEvent } from './support/sse.js';

const TTL_MS = 10_000;
const DEFINITIONS = ['pipelines', 'pipelinestages', 'configmaps'];
const RELEASES = ['kustomizations', 'helmreleases', 'deployments', 'statefulsets', 'daemonsets'];
const TOKEN = 'alice-token.abc';
const SUBSCRIPTION = `subscription { pipeline(approach: HYBRID, name: "example-pipeline") {
  name stages { name releases { name version } }
} }`;

interface Harness {
  app: App;
  source: SnapshotSource;
  reviewer: FakeAccessReviewer;
  /** Moves the review caches' clock and the fake timers together. */
  advance(ms: number): Promise<void>;
  subscribe(init?: { headers?: Record<string, string>; peer?: string }): Promise<{ events: ReturnType<typeof sseReader>; controller: AbortController }>;
}

/**
 * Answers each SubjectAccessReview after a varying number of turns, as the API server does:
 * of two refused reads at one path (a stage's Kustomizations and HelmReleases), either may
 * be the one reported, and errors arrive in varying order.
 */
class ShuffledReviewer extends FakeAccessReviewer {
  private turn = 0;
  override async mayList(question: Parameters<FakeAccessReviewer['mayList']>[0]): Promise<boolean> {
    const answer = super.mayList(question);
    for (let i = (this.turn++ * 7) % 5; i > 0; i--) await Promise.resolve();
    return answer;
  }
}

/** alice (team-a) reads the definitions in flux-system and the releases in dev. */
async function harness(mode: 'token' | 'proxy' = 'token', reviewer: FakeAccessReviewer = new FakeAccessReviewer()): Promise<Harness> {
  const source = (await createSource({ type: 'demo' })) as SnapshotSource;
  reviewer.tokens.set(TOKEN, { user: 'alice', groups: ['team-a', 'system:authenticated'] });
  reviewer.grant({ group: 'team-a' }, DEFINITIONS, ['flux-system']).grant({ group: 'team-a' }, RELEASES, ['dev']);
  const clock = { now: Date.parse('2026-11-26T10:00:00Z') };
  const auth =
    mode === 'token'
      ? ({ mode: 'token', cacheTtlMs: TTL_MS } as const)
      : ({ mode: 'proxy', cacheTtlMs: TTL_MS, trusted: [{ address: '127.0.0.1', prefix: 32, family: 'ipv4' }], userHeader: 'x-forwarded-user', groupsHeader: 'x-forwarded-groups' } as const);
  const app = createApp({
    source,
    logger: createLogger('silent'),
    access: appAccess(auth, reviewer, () => clock.now),
    subscriptions: { maxOpen: 10, coalesceMs: 50 },
  });
  return {
    app,
    source,
    reviewer,
    async advance(ms) {
      clock.now += ms;
      await vi.advanceTimersByTimeAsync(ms);
    },
    async subscribe({ headers = { authorization: `Bearer ${TOKEN}` }, peer } = {}) {
      const controller = new AbortController();
      const request = new Request('http://test.local/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify({ query: SUBSCRIPTION }),
        signal: controller.signal,
      });
      // What node:http gives Yoga: the connection's remote address (for --auth proxy).
      const response = await app.fetch(request, peer ? { req: { socket: { remoteAddress: peer } } } : {});
      return { events: sseReader(response), controller };
    },
  };
}

/** The HelmRelease in dev at a new chart version: what a watch event would bring. */
function bumped(source: SnapshotSource, version: string): KubeObject {
  const current = source.store.get('HelmRelease', 'dev', 'podinfo-pipeline-helm')!;
  const status = structuredClone(current.status) as { history: { chartVersion: string }[] };
  status.history[0]!.chartVersion = version;
  return { ...current, metadata: { ...current.metadata, resourceVersion: version }, status };
}

const devReleases = (event: SseEvent) => event.data.data.pipeline.stages[0].releases?.map((r: any) => `${r.name}@${r.version}`) ?? null;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('--auth token: a quiet subscription is re-checked every review-cache period', () => {
  it('sends nothing while the answer stays the same, though it asks the reviews again each period', async () => {
    const h = await harness();
    const { events, controller } = await h.subscribe();
    const first = (await events.next())!;
    expect(devReleases(first)).toContain('podinfo-pipeline-helm@6.1.8');
    const reviews = { tokens: h.reviewer.tokenReviews.length, lists: h.reviewer.listQuestions.length };
    await h.advance(TTL_MS + 1);
    await h.advance(TTL_MS + 1);
    // Each period ended the cached answers, so each tick asked the API server again.
    expect(h.reviewer.tokenReviews.length).toBe(reviews.tokens + 2);
    expect(h.reviewer.listQuestions.length).toBeGreaterThanOrEqual(reviews.lists * 3);
    // Then a real change: the next event the client gets is that change, so no tick was sent.
    h.source.store.upsert('HelmRelease', bumped(h.source, '7.0.0'));
    await h.advance(50);
    const next = (await events.next())!;
    expect(next.event).toBe('next');
    expect(devReleases(next)).toContain('podinfo-pipeline-helm@7.0.0');
    controller.abort();
  });

  it('sends nothing either when only the order of the same errors, or which of two refused reads is reported, changes', async () => {
    const h = await harness('token', new ShuffledReviewer());
    h.reviewer.revoke({ group: 'team-a' }, RELEASES, ['dev']); // every stage FORBIDDEN, two kinds each
    const { events, controller } = await h.subscribe();
    const first = (await events.next())!;
    expect(first.data.data.pipeline.stages.map((s: any) => s.releases)).toEqual([null, null, null]);
    const reported = new Set<string>();
    for (let i = 0; i < 6; i++) {
      await h.advance(TTL_MS + 1);
      // What a tick reads, its reviews made afresh: the same query by a user of the same groups.
      h.reviewer.tokens.set(`probe-${i}`, { user: `probe-${i}`, groups: ['team-a', 'system:authenticated'] });
      const answer = await h.app.fetch('http://test.local/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer probe-${i}` },
        body: JSON.stringify({ query: SUBSCRIPTION.replace('subscription', 'query') }),
      });
      const body = await answer.json();
      reported.add(body.errors.map((e: any) => `${e.path.join('.')}:${e.extensions.kind}`).join(' '));
    }
    // The shuffled reviews did vary what is reported (so a tick that compared whole errors would have sent it) ...
    expect(reported.size).toBeGreaterThan(1);
    // ... and yet the next event the client gets is a real change.
    h.reviewer.grant({ group: 'team-a' }, RELEASES, ['dev']);
    await h.advance(TTL_MS + 1);
    const next = (await events.next())!;
    expect(devReleases(next)).toHaveLength(2);
    controller.abort();
  });

  it('ends with UNAUTHENTICATED, and no data, once the token is no longer accepted', async () => {
    const h = await harness();
    const { events } = await h.subscribe();
    expect((await events.next())!.data.data.pipeline.name).toBe('example-pipeline');
    h.reviewer.tokens.delete(TOKEN); // its ServiceAccount was deleted
    await h.advance(TTL_MS + 1);
    const last = (await events.next())!;
    expect(last.data.data).toEqual({ pipeline: null });
    expect(last.data.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect(await events.next()).toEqual({ event: 'complete', data: null });
  });

  it('ends with FORBIDDEN, and no data, once the caller may no longer read the pipeline\'s own namespace', async () => {
    const h = await harness();
    const { events } = await h.subscribe();
    await events.next();
    h.reviewer.revoke({ group: 'team-a' }, DEFINITIONS, ['flux-system']);
    await h.advance(TTL_MS + 1);
    const last = (await events.next())!;
    expect(last.data.data).toEqual({ pipeline: null });
    expect(last.data.errors).toEqual([expect.objectContaining({ path: ['pipeline'], extensions: expect.objectContaining({ code: 'FORBIDDEN', namespace: 'flux-system' }) })]);
    expect(await events.next()).toEqual({ event: 'complete', data: null });
  });

  it('shows a stage FORBIDDEN in the next event when only its namespace is lost, and goes on', async () => {
    const h = await harness();
    const { events, controller } = await h.subscribe();
    const first = (await events.next())!;
    expect(devReleases(first)).toHaveLength(2);
    h.reviewer.revoke({ group: 'team-a' }, RELEASES, ['dev']);
    await h.advance(TTL_MS + 1);
    const next = (await events.next())!;
    expect(next.event).toBe('next');
    expect(next.data.data.pipeline.stages.map((s: any) => s.releases)).toEqual([null, null, null]);
    expect(next.data.errors.map((e: any) => `${e.path.join('.')} ${e.extensions.code} ${e.extensions.namespace}`)).toEqual([
      'pipeline.stages.0.releases FORBIDDEN dev',
      'pipeline.stages.1.releases FORBIDDEN staging',
      'pipeline.stages.2.releases FORBIDDEN prod',
    ]);
    // Access back: the following period's event shows the releases again.
    h.reviewer.grant({ group: 'team-a' }, RELEASES, ['dev']);
    await h.advance(TTL_MS + 1);
    expect(devReleases((await events.next())!)).toHaveLength(2);
    controller.abort();
  });

  it('ends within one TTL of a revocation even when a change event re-evaluates on answers cached before it', async () => {
    const h = await harness();
    const { events } = await h.subscribe();
    expect(devReleases((await events.next())!)).toHaveLength(2);
    // Revoked right after the reviews of the first event were cached ...
    h.reviewer.revoke({ group: 'team-a' }, DEFINITIONS, ['flux-system']);
    const revokedAt = 0;
    let elapsed = 0;
    const seen: SseEvent[] = [];
    let ended: number | null = null;
    const read = async () => {
      for (;;) {
        const event = await events.next();
        if (!event) return;
        seen.push(event);
        if (event.event === 'next' && event.data.data?.pipeline === null) ended ??= elapsed;
        if (event.event === 'complete') return;
      }
    };
    const reading = read();
    // ... and a change just before half a TTL: its evaluation may still use those answers,
    // which are younger than half a TTL; then the timer comes half a TTL later and may not.
    for (; elapsed < 0.45 * TTL_MS; elapsed += 250) await h.advance(250);
    h.source.store.upsert('HelmRelease', bumped(h.source, '7.0.0'));
    for (; ended === null && elapsed < 3 * TTL_MS; elapsed += 250) await h.advance(250);
    expect(ended).not.toBeNull();
    expect(ended! - revokedAt).toBeLessThanOrEqual(TTL_MS);
    await reading; // the stream ends after its error event
    const last = seen.at(-2)!;
    expect(last.data).toEqual({ data: { pipeline: null }, errors: [expect.objectContaining({ path: ['pipeline'], extensions: expect.objectContaining({ code: 'FORBIDDEN', namespace: 'flux-system' }) })] });
    expect(seen.at(-1)).toEqual({ event: 'complete', data: null });
  });

  it('ends within one TTL once the token is no longer accepted, whenever in the period that happens', async () => {
    for (const offset of [0, 0.3 * TTL_MS, 0.5 * TTL_MS, 0.8 * TTL_MS]) {
      const h = await harness();
      const { events } = await h.subscribe();
      await events.next();
      let elapsed = 0;
      for (; elapsed < offset; elapsed += 250) await h.advance(250);
      h.reviewer.tokens.delete(TOKEN);
      const revokedAt = elapsed;
      let last: SseEvent | null = null;
      void events.next().then((e) => (last = e));
      for (; last === null && elapsed < offset + 3 * TTL_MS; elapsed += 250) await h.advance(250);
      expect(last, `revoked at ${offset} ms`).not.toBeNull();
      expect(elapsed - revokedAt, `revoked at ${offset} ms`).toBeLessThanOrEqual(TTL_MS + 250);
      expect(last!.data.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('ends with KUBERNETES_UNAVAILABLE when the re-check cannot be made (fail closed)', async () => {
    const h = await harness();
    const { events } = await h.subscribe();
    await events.next();
    h.reviewer.failTokenReviews = true;
    await h.advance(TTL_MS + 1);
    const last = (await events.next())!;
    expect(last.data.data).toEqual({ pipeline: null });
    expect(last.data.errors.map((e: any) => e.extensions.code)).toEqual(['KUBERNETES_UNAVAILABLE']);
    expect(await events.next()).toEqual({ event: 'complete', data: null });
  });
});

describe('--auth proxy: identity cannot be re-checked, access is', () => {
  it('ends with FORBIDDEN once the proxied user may no longer read the pipeline\'s namespace', async () => {
    const h = await harness('proxy');
    const { events } = await h.subscribe({ headers: { 'x-forwarded-user': 'alice', 'x-forwarded-groups': 'team-a' }, peer: '127.0.0.1' });
    expect((await events.next())!.data.data.pipeline.name).toBe('example-pipeline');
    h.reviewer.revoke({ group: 'team-a' }, DEFINITIONS, ['flux-system']);
    await h.advance(TTL_MS + 1);
    const last = (await events.next())!;
    expect(last.data.errors.map((e: any) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect(await events.next()).toEqual({ event: 'complete', data: null });
    expect(h.reviewer.tokenReviews).toEqual([]);
  });
});

describe('the re-check timer', () => {
  it('runs only while the stream is open: one armed after each event, none once the client goes away', async () => {
    const source = (await createSource({ type: 'demo' })) as SnapshotSource;
    const controller = new AbortController();
    let closed = 0;
    const stream = livePipeline('HYBRID', 'flux-system', 'example-pipeline', {
      newService: (recorder) => new PipelineService(new ClusterLoaders(recorder.wrap(source.readerFor({ requestId: 't' })))),
      coalesceMs: 50,
      signal: controller.signal,
      onClose: () => closed++,
      recheckMs: TTL_MS,
    });
    expect(vi.getTimerCount()).toBe(0);
    const first = await stream.next();
    expect(first.value).toMatchObject({ error: null, recheck: false });
    expect(vi.getTimerCount()).toBe(1);
    const waiting = stream.next();
    await vi.advanceTimersByTimeAsync(TTL_MS);
    expect((await waiting).value).toMatchObject({ error: null, recheck: true });
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect(closed).toBe(1);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('is not armed without per-user access (no recheckMs)', async () => {
    const source = (await createSource({ type: 'demo' })) as SnapshotSource;
    const stream = livePipeline('HYBRID', 'flux-system', 'example-pipeline', {
      newService: (recorder) => new PipelineService(new ClusterLoaders(recorder.wrap(source.readerFor({ requestId: 't' })))),
      coalesceMs: 50,
    });
    await stream.next();
    expect(vi.getTimerCount()).toBe(0);
    await stream.return!();
  });
});
