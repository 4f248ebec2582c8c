import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, parseServerConfig, type ServerConfig } from '../src/config.js';
import { ERROR_CODES } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import {
  codeLabel,
  MAX_OPERATION_NAMES,
  metricsRegistry,
  observeKubeRequest,
  setStoreStatsProvider,
  startProcessMetrics,
  trackSubscription,
} from '../src/metrics.js';
import { createApp } from '../src/server/create-app.js';
import { useRequestMetrics } from '../src/server/hardening.js';
import { createHttpServer } from '../src/server/http-server.js';
import { demoSource } from './support/demo-app.js';
import { clientAt } from './support/graphql-client.js';
import { sample } from './support/metrics-sample.js';
import { eventually, startServer, type RunningServer } from './support/processes.js';

/*
 * Issue 7, outcome 4: Prometheus metrics at /metrics (prom-client). In-process over a real
 * socket for the figures (the registry is the module's own, so each assertion compares a
 * value before and after), and the server process for --metrics-port.
 */

describe('/metrics on the API port', () => {
  let server: Server;
  let url: string;
  const scrape = async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  beforeAll(async () => {
    startProcessMetrics();
    const source = await demoSource();
    const logger = createLogger('silent');
    server = createHttpServer({ app: createApp({ source, logger }), source, logger, isDraining: () => false, maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('counts requests and their duration by operation name and outcome, and errors by code', async () => {
    const before = await scrape();
    const client = clientAt(url);
    await client.query('query ListPipelines { pipelines(approach: CM) { name } }');
    await client.query('query OnePipeline { pipeline(approach: CM, name: "nope") { name } }');
    const after = await scrape();
    const ok = { operation: 'ListPipelines', outcome: 'ok' };
    expect(sample(after, 'flux_pipelines_graphql_requests_total', ok)).toBe(sample(before, 'flux_pipelines_graphql_requests_total', ok) + 1);
    expect(sample(after, 'flux_pipelines_graphql_request_duration_seconds_count', ok)).toBe(sample(before, 'flux_pipelines_graphql_request_duration_seconds_count', ok) + 1);
    expect(sample(after, 'flux_pipelines_graphql_request_duration_seconds_sum', ok)).toBeGreaterThan(sample(before, 'flux_pipelines_graphql_request_duration_seconds_sum', ok));
    const notFound = { operation: 'OnePipeline', outcome: 'PIPELINE_NOT_FOUND' };
    expect(sample(after, 'flux_pipelines_graphql_requests_total', notFound)).toBe(sample(before, 'flux_pipelines_graphql_requests_total', notFound) + 1);
    const code = { code: 'PIPELINE_NOT_FOUND' };
    expect(sample(after, 'flux_pipelines_graphql_errors_total', code)).toBe(sample(before, 'flux_pipelines_graphql_errors_total', code) + 1);
  });

  it('counts refusals by the limit that refused, from the document limits to the HTTP ones', async () => {
    const before = await scrape();
    const client = clientAt(url);
    await client.query(`{ ${'{a'.repeat(100)}${'}'.repeat(100)} }`);
    await client.query(`{ ${'a '.repeat(2_000)} }`);
    await client.query(`{ pipelines { ${'name '.repeat(40)} } }`);
    await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(DEFAULT_LIMITS.maxBodyBytes + 1) });
    const after = await scrape();
    for (const limit of ['depth', 'tokens', 'fields', 'csrf', 'body_size']) {
      expect(sample(after, 'flux_pipelines_refusals_total', { limit }), limit).toBe(sample(before, 'flux_pipelines_refusals_total', { limit }) + 1);
    }
    // A document that did not validate never names an operation label.
    expect(sample(after, 'flux_pipelines_graphql_requests_total', { operation: 'other', outcome: 'QUERY_TOO_DEEP' })).toBeGreaterThan(0);
  });

  it(`admits at most ${MAX_OPERATION_NAMES} operation names as label values, and only from valid documents`, async () => {
    const client = clientAt(url);
    await client.query('query NeverValid { pipelines { nope } }');
    for (let i = 0; i < MAX_OPERATION_NAMES + 10; i++) await client.query(`query Op${i} { __typename }`);
    const text = await scrape();
    const operations = new Set([...text.matchAll(/flux_pipelines_graphql_requests_total\{operation="([^"]*)"/g)].map((m) => m[1]));
    expect(operations.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 2); // + "other" and "anonymous"
    expect(operations.has('other')).toBe(true);
    expect(operations.has('NeverValid')).toBe(false);
  });

  it('never puts a pipeline name or a client string in a label value', async () => {
    const client = clientAt(url);
    await client.query('{ pipeline(approach: HYBRID, name: "example-pipeline") { name } }');
    await client.query('{ pipeline(approach: HYBRID, name: "client-chosen-name") { name } }');
    const text = await scrape();
    expect(text).not.toContain('example-pipeline');
    expect(text).not.toContain('client-chosen-name');
  });

  it('counts Kubernetes requests by kind, verb and status with their duration, bounding odd values (contract 2)', async () => {
    const before = await scrape();
    observeKubeRequest({ kind: 'HelmRelease', verb: 'list', code: '200', seconds: 0.02 });
    observeKubeRequest({ kind: 'HelmRelease', verb: 'list', code: '200', seconds: 0.04 });
    observeKubeRequest({ kind: 'Deployment', verb: 'watch', code: 'error', seconds: 1 });
    observeKubeRequest({ kind: 'not a kind "x"', verb: 'hack', code: '99999', seconds: 0.1 });
    const after = await scrape();
    const list = { kind: 'HelmRelease', verb: 'list', code: '200' };
    expect(sample(after, 'flux_pipelines_kube_requests_total', list)).toBe(sample(before, 'flux_pipelines_kube_requests_total', list) + 2);
    expect(sample(after, 'flux_pipelines_kube_request_duration_seconds_count', list)).toBe(sample(before, 'flux_pipelines_kube_request_duration_seconds_count', list) + 2);
    expect(sample(after, 'flux_pipelines_kube_request_duration_seconds_sum', list) - sample(before, 'flux_pipelines_kube_request_duration_seconds_sum', list)).toBeCloseTo(0.06);
    expect(sample(after, 'flux_pipelines_kube_requests_total', { kind: 'Deployment', verb: 'watch', code: 'error' })).toBeGreaterThan(0);
    expect(sample(after, 'flux_pipelines_kube_requests_total', { kind: 'other', verb: 'other', code: 'other' })).toBeGreaterThan(0);
  });

  it('gauges open subscriptions (contract 3), each closed once however often its end is called', async () => {
    const base = sample(await scrape(), 'flux_pipelines_open_subscriptions');
    const end1 = trackSubscription();
    const end2 = trackSubscription();
    expect(sample(await scrape(), 'flux_pipelines_open_subscriptions')).toBe(base + 2);
    end1();
    end1();
    expect(sample(await scrape(), 'flux_pipelines_open_subscriptions')).toBe(base + 1);
    end2();
    expect(sample(await scrape(), 'flux_pipelines_open_subscriptions')).toBe(base);
  });

  it('reports the store figures from the provider (contract 1), and none without a store', async () => {
    expect(await scrape()).not.toMatch(/^flux_pipelines_store_objects\{/m);
    const now = Date.now();
    setStoreStatsProvider(() => ({
      objects: { HelmRelease: 12, Deployment: 30 },
      watchRestarts: { HelmRelease: 3, Deployment: 0 },
      lastSyncAt: { HelmRelease: now - 4_000, Deployment: null },
    }));
    try {
      const text = await scrape();
      expect(sample(text, 'flux_pipelines_store_objects', { kind: 'HelmRelease' })).toBe(12);
      expect(sample(text, 'flux_pipelines_store_objects', { kind: 'Deployment' })).toBe(30);
      expect(sample(text, 'flux_pipelines_store_watch_restarts_total', { kind: 'HelmRelease' })).toBe(3);
      const since = sample(text, 'flux_pipelines_store_seconds_since_last_sync', { kind: 'HelmRelease' });
      expect(since).toBeGreaterThanOrEqual(4);
      expect(since).toBeLessThan(60);
      // Never synced: no figure rather than a made-up one.
      expect(text).not.toMatch(/flux_pipelines_store_seconds_since_last_sync\{kind="Deployment"\}/);
    } finally {
      setStoreStatsProvider(() => undefined);
    }
  });

  it('reports open connections, event-loop lag and process memory', async () => {
    const text = await scrape();
    expect(sample(text, 'flux_pipelines_open_connections')).toBeGreaterThanOrEqual(1); // this scrape's own
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('names every metric by Prometheus conventions: prefix, snake case, units, _total on counters', async () => {
    const ours = (await metricsRegistry.getMetricsAsJSON()).filter((m) => m.name.startsWith('flux_pipelines_'));
    expect(ours.length).toBeGreaterThanOrEqual(12);
    for (const metric of ours) {
      expect(metric.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(metric.help.length).toBeGreaterThan(10);
      if (metric.type === 'counter') expect(metric.name).toMatch(/_total$/);
      else expect(metric.name).not.toMatch(/_total$/);
      if (metric.type === 'histogram') expect(metric.name).toMatch(/_seconds$/);
    }
  });
});

describe('the open-subscriptions gauge, from Yoga\'s subscription results', () => {
  it('counts a subscription while its stream is open, and stops when its client goes', async () => {
    // A schema of its own: the service's schema has no subscriptions yet.
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { ok: Boolean } type Subscription { ticks: Int }',
        resolvers: {
          Subscription: {
            ticks: {
              async *subscribe() {
                for (let i = 0; ; i++) {
                  yield { ticks: i };
                  await new Promise((r) => setTimeout(r, 20));
                }
              },
            },
          },
        },
      }),
      plugins: [useRequestMetrics()],
    });
    const gauge = async () => (await metricsRegistry.getSingleMetric('flux_pipelines_open_subscriptions')!.get()).values[0]!.value;
    const base = await gauge();
    const controller = new AbortController();
    const response = await yoga.fetch('http://test.local/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { ticks }' }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('"ticks":1')) text += new TextDecoder().decode((await reader.read()).value);
    expect(await gauge()).toBe(base + 1);
    controller.abort();
    await reader.cancel().catch(() => {});
    await eventually(async () => (await gauge()) === base);
    expect(await gauge()).toBe(base);
  });
});

describe('--metrics-port', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(['--metrics-port', '0']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves /metrics on its own port, and not on the API port', async () => {
    const line = server.logs().find((l) => l.msg?.startsWith('serving metrics'));
    expect(line?.metricsPort).toEqual(expect.any(Number));
    const metrics = await fetch(`http://127.0.0.1:${line!.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^process_resident_memory_bytes \d+/m);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${line!.metricsPort}/graphql`)).status).toBe(404);
  });

  it('is read from FLUX_PIPELINES_METRICS_PORT too, and checked', () => {
    expect((parseServerConfig([], { FLUX_PIPELINES_METRICS_PORT: '9090' }) as ServerConfig).metricsPort).toBe(9090);
    expect((parseServerConfig([], {}) as ServerConfig).metricsPort).toBeNull();
    expect(() => parseServerConfig(['--metrics-port', 'x'], {})).toThrow('metrics-port must be an integer from 0 to 65535, got "x"');
  });
});

describe('error code label values', () => {
  it('are every code the service sends, its own included, and "other" for anything else', () => {
    for (const code of [...ERROR_CODES, 'NOT_ACCEPTABLE', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST', 'QUERY_TOO_DEEP', 'INTERNAL_SERVER_ERROR']) expect(codeLabel(code)).toBe(code);
    expect(codeLabel('TOO_MANY_SUBSCRIPTIONS')).toBe('TOO_MANY_SUBSCRIPTIONS');
    for (const value of ['a client\'s text', 'OPERATION_NOT_SUPPORTED', 42, undefined]) expect(codeLabel(value)).toBe('other');
  });
});
