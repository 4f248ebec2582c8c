import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '../src/cluster/create-source.js';
import type { KubeObject } from '../src/cluster/kube-object.js';
import { SnapshotSource } from '../src/cluster/snapshot/snapshot-source.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createApp, type App } from '../src/server/create-app.js';
import { createHttpServer } from '../src/server/http-server.js';
import { appAccess } from '../src/server/auth-setup.js';
import { FakeAccessReviewer } from './support/fake-access-reviewer.js';
import { eventually } from './support/processes.js';

const SUBSCRIPTION = `subscription Live($approach: Approach!, $name: String!) {
  pipeline(approach: $approach, name: $name) { name freshness { stale } stages { name releases { name version } } }
}`;

/** Reads graphql-sse "next"/"complete" events off a text/event-stream response. */
async function* sseEvents(response: Response): AsyncGenerator<{ event: string; data: any }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data:(.*)$/m.exec(block)?.[1]?.trim();
        if (event) yield { event, data: data ? JSON.parse(data) : null };
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function subscribe(app: App, variables: Record<string, unknown>, signal?: AbortSignal, query = SUBSCRIPTION, accept = 'text/event-stream'): Promise<Response> {
  return Promise.resolve(
    app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query, variables }),
      signal,
    }),
  );
}

/** A Flux release of the demo with a new applied revision: what a watch event would bring. */
function bumped(source: SnapshotSource, kind: 'HelmRelease', namespace: string, name: string, version: string): KubeObject {
  const current = source.store.get(kind, namespace, name)!;
  const status = structuredClone(current.status) as { history: { chartVersion: string }[] };
  status.history[0]!.chartVersion = version;
  return { ...current, metadata: { ...current.metadata, resourceVersion: version }, status };
}

describe('subscription { pipeline }', () => {
  let source: SnapshotSource;
  let app: App;

  beforeAll(async () => {
    source = (await createSource({ type: 'demo' })) as SnapshotSource;
    app = createApp({ source, logger: createLogger('silent'), subscriptions: { maxOpen: 3, coalesceMs: 50 } });
  });

  it('sends the pipeline at once, then once per burst of changes to what it is built from, and nothing for unrelated changes', async () => {
    const controller = new AbortController();
    const response = await subscribe(app, { approach: 'HYBRID', name: 'example-pipeline' }, controller.signal);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = sseEvents(response);
    const first = (await events.next()).value!;
    expect(first.event).toBe('next');
    const versionsOf = (data: any) => data.data.pipeline.stages.map((s: any) => s.releases.find((r: any) => r.name === 'podinfo-pipeline-helm').version);
    expect(versionsOf(first.data)).toEqual(['6.1.8', '6.1.7', '6.1.6']);

    // Unrelated: a Deployment in another namespace nobody reads.
    source.store.upsert('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'noise', namespace: 'elsewhere' } });
    // A burst of three changes to one release: one event, with the last state.
    for (const v of ['7.0.0', '7.0.1', '7.0.2']) source.store.upsert('HelmRelease', bumped(source, 'HelmRelease', 'dev', 'podinfo-pipeline-helm', v));
    const second = (await events.next()).value!;
    expect(versionsOf(second.data)).toEqual(['7.0.2', '6.1.7', '6.1.6']);

    // The definition goes away: a last event with the error, then the stream completes.
    const definition = source.store.get('Pipeline', 'flux-system', 'example-pipeline')!;
    source.store.remove('Pipeline', definition);
    const gone = (await events.next()).value!;
    expect(gone.data.data).toEqual({ pipeline: null });
    expect(gone.data.errors[0].extensions.code).toBe('PIPELINE_NOT_FOUND');
    expect(gone.data.errors[0].extensions.requestId).toEqual(expect.any(String));
    expect((await events.next()).value).toEqual({ event: 'complete', data: null });
    source.store.upsert('Pipeline', definition);
    controller.abort();
  });

  it('refuses a subscription over the cap with TOO_MANY_SUBSCRIPTIONS, and frees the slot when a client leaves', async () => {
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    for (const c of controllers) {
      const r = await subscribe(app, { approach: 'CM', name: 'example-pipeline' }, c.signal);
      await sseEvents(r).next();
    }
    const refused = await subscribe(app, { approach: 'CM', name: 'example-pipeline' });
    const event = (await sseEvents(refused).next()).value!;
    expect(event.data.errors[0].extensions.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    controllers[0]!.abort();
    // The freed slot is seen asynchronously: retry until admitted, within a generous ceiling.
    const again = await eventually(async () => {
      const event = (await sseEvents(await subscribe(app, { approach: 'CM', name: 'example-pipeline' }, controllers[1]!.signal)).next()).value!;
      return !event.data.errors && event;
    });
    expect(again.data.data.pipeline.name).toBe('example-pipeline');
    for (const c of controllers) c.abort();
  });

  it('refuses a subscription sent without accepting an event stream with NOT_ACCEPTABLE (406), and holds no slot for it', async () => {
    // One slot: before the fix, the first such request kept its stream open and the slot with it.
    const single = createApp({ source, logger: createLogger('silent'), subscriptions: { maxOpen: 1, coalesceMs: 50 } });
    for (let i = 0; i < 3; i++) {
      const response = await subscribe(single, { approach: 'CM', name: 'example-pipeline' }, undefined, SUBSCRIPTION, 'application/json');
      expect(response.status).toBe(406);
      expect(await response.json()).toEqual({
        errors: [
          {
            message: 'A subscription is answered as a stream of events: send it with the header "accept: text/event-stream" (utf-8).',
            extensions: { code: 'NOT_ACCEPTABLE', requestId: expect.any(String) },
          },
        ],
      });
    }
    const controller = new AbortController();
    const admitted = (await sseEvents(await subscribe(single, { approach: 'CM', name: 'example-pipeline' }, controller.signal)).next()).value!;
    expect(admitted.data.errors).toBeUndefined();
    expect(admitted.data.data.pipeline.name).toBe('example-pipeline');
    controller.abort();
  });

  it('applies the query limits and CSRF rules to subscriptions', async () => {
    const deep = `subscription { pipeline(approach: HYBRID, name: "example-pipeline") { stages { releases { workloads { images { id } } } } } }`;
    const limited = createApp({ source, logger: createLogger('silent'), limits: { ...DEFAULT_LIMITS, maxDepth: 3 } });
    const refused = await subscribe(limited, {}, undefined, deep);
    const text = await refused.text();
    expect(text).toContain('QUERY_TOO_DEEP');
    const form = await app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/event-stream' },
      body: `query=${encodeURIComponent(SUBSCRIPTION)}`,
    });
    expect(form.status).toBe(403);
  });
});

describe('subscriptions over a real HTTP server', () => {
  let source: SnapshotSource;
  let server: Server;
  let url: string;

  const TOKEN = 'leak-test-token';
  /** Ref'd timers of this process: a re-check timer left behind by a closed stream would stay here. */
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  beforeAll(async () => {
    source = (await createSource({ type: 'demo' })) as SnapshotSource;
    // With per-user access, so every stream also arms its re-check timer. Its period is long
    // (10 min) and the query deadline short, so any timer still there after the ceiling below
    // is a re-check timer nobody cleared.
    const reviewer = new FakeAccessReviewer();
    reviewer.tokens.set(TOKEN, { user: 'leak', groups: ['system:authenticated'] });
    reviewer.grant({ group: 'system:authenticated' }, ['pipelines', 'kustomizations', 'helmreleases', 'deployments', 'statefulsets', 'daemonsets'], ['']);
    const app = createApp({
      source,
      logger: createLogger('silent'),
      subscriptions: { maxOpen: 50, coalesceMs: 50 },
      limits: { ...DEFAULT_LIMITS, queryTimeoutMs: 3_000 },
      access: appAccess({ mode: 'token', cacheTtlMs: 600_000 }, reviewer),
    });
    server = createHttpServer({ app, source, logger: createLogger('silent'), isDraining: () => false, maxBodyBytes: 65_536 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('leaves no listener and no re-check timer behind after 1,000 connect/disconnect cycles', async () => {
    const before = source.store.listenerCount();
    const timersBefore = timers();
    for (let i = 0; i < 1_000; i++) {
      const controller = new AbortController();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ query: SUBSCRIPTION, variables: { approach: 'HYBRID', name: 'example-pipeline' } }),
        signal: controller.signal,
      });
      const first = (await sseEvents(response).next()).value!;
      if (first.event !== 'next' || !first.data.data?.pipeline) throw new Error(`cycle ${i}: ${JSON.stringify(first)}`);
      controller.abort();
    }
    // The server sees each disconnect asynchronously: wait for the last ones, within a ceiling.
    await eventually(() => source.store.listenerCount() <= before);
    expect(source.store.listenerCount()).toBe(before);
    // Timers: each stream armed one; the requests' own deadline timers (3 s) end by themselves.
    await eventually(() => timers() <= timersBefore, 30_000);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
  }, 120_000);
});
