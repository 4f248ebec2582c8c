// The watch-fed store on a real API server: live updates reach subscribers, a partition
// followed by 410 Gone relists with nothing lost or duplicated, and many updates leave the
// store equal to a fresh list.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/kube-object.js';
import type { ClusterSource } from '../../src/cluster/reader.js';
import { apiRequest } from './harness/api-request.js';
import { useSharedCluster } from './harness/shared-cluster.js';
import { loadSnapshot } from '../../src/cluster/snapshot/load-snapshot.js';
import { loadDemo, ROOT } from './support/demo-cluster.js';
import { kubeClient, type KubeClient } from './support/kube-app.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/server/create-app.js';
import { clientFor, type GraphQLResponse } from '../support/graphql-client.js';

const cluster = useSharedCluster();
const FAST = { staleGraceMs: 1_000, timing: { backoffMinMs: 100, backoffMaxMs: 1_000, retryMissingMs: 500 } };
const NS = 'store-e2e';
let kube: KubeClient;
const kubeRequests: { kind: string; verb: string; code: string; seconds: number }[] = [];

async function until<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, what: string, ceilingMs = 60_000): Promise<T> {
  const deadline = Date.now() + ceilingMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function must(args: string[], input?: string): Promise<string> {
  const result = await cluster.kubectl(args, { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const admin = (path: string, method = 'GET', body?: unknown) => apiRequest(cluster, path, { token: cluster.adminToken, method, body });

/** The ConfigMaps of the test namespace as the API server lists them now: name → resourceVersion. */
async function freshList(): Promise<Record<string, string>> {
  const list = (await admin(`/api/v1/namespaces/${NS}/configmaps`)).json<{ items: KubeObject[] }>();
  return Object.fromEntries(list.items.map((o) => [o.metadata.name, o.metadata.resourceVersion!]));
}

/** The same, from the service's store. */
function storeList(client: KubeClient): Record<string, string> {
  const objects = client.source.store.list('ConfigMap', NS);
  // Listed by key, so a duplicate would show as a count mismatch here.
  expect(new Set(objects.map((o) => o.metadata.name)).size).toBe(objects.length);
  return Object.fromEntries(objects.map((o) => [o.metadata.name, o.metadata.resourceVersion!]));
}

const configMap = (name: string, value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { value } });

beforeAll(async () => {
  await loadDemo(cluster);
  await cluster.kubectl(['create', 'namespace', NS]);
  kube = kubeClient(cluster.kubeconfigPath, undefined, { ...FAST, onKubeRequest: (e) => kubeRequests.push(e) });
  await until(() => kube.source.checkReady(), (r) => r.ready, 'the store to sync');
}, 300_000);

describe('store figures for metrics', () => {
  it('reports each finished API request once (kind, verb, code, seconds) and the store statistics', async () => {
    // Ready means every kind was listed once; a watch is reported once the API server accepts
    // it, which can come a moment after that.
    await until(() => kubeRequests.some((e) => e.kind === 'ConfigMap' && e.verb === 'watch'), (seen) => seen, 'the ConfigMap watch to be accepted');
    const configMaps = kubeRequests.filter((e) => e.kind === 'ConfigMap');
    expect(configMaps.find((e) => e.verb === 'list')).toMatchObject({ code: '200', seconds: expect.any(Number) });
    expect(configMaps.find((e) => e.verb === 'watch')).toMatchObject({ code: '200' });
    expect(kubeRequests.every((e) => e.seconds >= 0)).toBe(true);
    const stats = kube.source.storeStats();
    expect(stats.objects.HelmRelease).toBeGreaterThanOrEqual(4);
    expect(Object.keys(stats.lastSyncAt).sort()).toEqual(Object.keys(stats.objects).sort());
    expect(stats.lastSyncAt.Deployment).toBeGreaterThan(0);
  });
});

describe('live updates from the API server', () => {
  it('brings a change made through the API server to a subscriber within 2 s', async () => {
    const controller = new AbortController();
    const response = await kube.app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: 'subscription { pipeline(approach: HYBRID, name: "example-pipeline") { stages { name releases { name version } } } }',
      }),
      signal: controller.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const nextEvent = async (): Promise<any> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (/^event: next$/m.test(block) && data) return JSON.parse(data);
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        buffer += value;
      }
    };
    try {
      const first = await nextEvent();
      expect(first.data.pipeline.stages[0].name).toBe('dev');
      const versionIn = (event: any) => event.data.pipeline.stages[0].releases.find((r: any) => r.name === 'podinfo-pipeline-helm').version;
      const before = versionIn(first);

      const status = structuredClone((await demoHelmRelease()).status) as { history: { chartVersion: string }[] };
      status.history[0]!.chartVersion = '9.9.9';
      await must(['patch', 'helmrelease.v2.helm.toolkit.fluxcd.io', 'podinfo-pipeline-helm', '-n', 'dev', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
      const changedAt = Date.now();
      const second = await nextEvent();
      const latency = Date.now() - changedAt;
      expect(versionIn(second)).toBe('9.9.9');
      expect(latency).toBeLessThan(2_000);
      console.log(`[e2e] change → subscriber: ${latency} ms (was ${before})`);
    } finally {
      controller.abort();
      await loadDemoStatusBack();
    }
  });
});

describe('pipelines answered per pipeline, on the API server', () => {
  it('holds a change made through the API server, as a full execution does, reuses the other parts, and sends no request to it', async () => {
    const query = '{ pipelines { approach name stages { name releases { name ready version } } } }';
    // Release reads counted at the reader interface, below the service's own app.
    let releaseReads = 0;
    const counting: ClusterSource = {
      description: kube.source.description,
      checkReady: () => kube.source.checkReady(),
      subscribe: (listener) => kube.source.subscribe(listener),
      generation: () => kube.source.generation(),
      readerFor: () =>
        new Proxy(kube.source.readerFor(), {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver);
            if (typeof value !== 'function' || property === 'freshness') return value;
            return (kind: string, ...rest: unknown[]) => {
              if (kind === 'HelmRelease' || kind === 'Kustomization') releaseReads++;
              return value.call(target, kind, ...rest);
            };
          },
        }),
    };
    const parts = clientFor(createApp({ source: counting, logger: createLogger('silent') }));
    // --result-cache-mb 0: every answer executed in full, over the same store.
    const whole = clientFor(createApp({ source: kube.source, logger: createLogger('silent'), resultCacheBytes: 0 }));
    const versionIn = (response: GraphQLResponse) =>
      response.data!.pipelines.find((p: any) => p.approach === 'HYBRID').stages[0].releases.find((r: any) => r.name === 'podinfo-pipeline-helm').version;
    const first = await parts.query(query);
    expect(first.errors).toBeUndefined();
    expect(first).toEqual(await whole.query(query));
    const requestsBefore = kube.requests.length;
    try {
      const status = structuredClone((await demoHelmRelease()).status) as { history: { chartVersion: string }[] };
      status.history[0]!.chartVersion = '8.8.8';
      await must(['patch', 'helmrelease.v2.helm.toolkit.fluxcd.io', 'podinfo-pipeline-helm', '-n', 'dev', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
      const after = await until(() => parts.query(query), (r) => versionIn(r) === '8.8.8', 'the patched version in a pipelines answer', 5_000);
      expect(after).toEqual(await whole.query(query));
      // A change no pipeline reads, through the API server: the next answer reuses every part.
      await admin('/api/v1/namespaces/default/configmaps', 'POST', { ...configMap('parts-elsewhere', 'v1'), metadata: { name: 'parts-elsewhere', namespace: 'default' } });
      await until(() => kube.source.store.get('ConfigMap', 'default', 'parts-elsewhere'), (o) => o !== undefined, 'the ConfigMap in the store');
      const readsBefore = releaseReads;
      expect(await parts.query(query)).toEqual(after);
      expect(releaseReads).toBe(readsBefore);
      // None of it sent a request to the API server beyond the watches.
      expect(kube.requests.slice(requestsBefore).filter((r) => !r.includes('watch=true') && !r.startsWith('PATCH') && !r.startsWith('POST'))).toEqual([]);
    } finally {
      await admin('/api/v1/namespaces/default/configmaps/parts-elsewhere', 'DELETE');
      await loadDemoStatusBack();
    }
  });
});

async function demoHelmRelease(): Promise<KubeObject> {
  const { objects } = await loadSnapshot(`${ROOT}demo/snapshot`);
  return objects.find((o) => o.kind === 'HelmRelease' && o.metadata.namespace === 'dev' && o.metadata.name === 'podinfo-pipeline-helm')!;
}

/** Puts the demo HelmRelease's status back for the other test files. */
async function loadDemoStatusBack(): Promise<void> {
  const original = await demoHelmRelease();
  await must(['patch', 'helmrelease.v2.helm.toolkit.fluxcd.io', 'podinfo-pipeline-helm', '-n', 'dev', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: original.status })]);
}

describe('a partition, then 410 Gone', () => {
  let proxy: TcpProxy;
  let behind: KubeClient;

  beforeAll(async () => {
    proxy = await startTcpProxy(cluster.server);
    const dir = await mkdtemp(join(tmpdir(), 'e2e-store-'));
    const kubeconfig = join(dir, 'proxied.kubeconfig');
    // Same cluster, same token, but through the proxy.
    const { writeKubeconfigFile } = await import('./harness/kubeconfig.js');
    await writeKubeconfigFile(kubeconfig, { server: proxy.url, caData: cluster.caData, token: cluster.adminToken });
    behind = kubeClient(kubeconfig, undefined, FAST);
    await until(() => behind.source.checkReady(), (r) => r.ready, 'the proxied store to sync');
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it('answers stale while cut off, then relists on 410 Gone with nothing lost or duplicated', async () => {
    for (const name of ['keep', 'change', 'remove']) await admin(`/api/v1/namespaces/${NS}/configmaps`, 'POST', configMap(name, 'v1'));
    await until(() => storeList(behind), (s) => Object.keys(s).length === 3, 'the three ConfigMaps in the store');
    const listsBefore = behind.source.listCount('ConfigMap');

    await proxy.cut();
    await until(() => behind.source.store.freshness(['ConfigMap']).stale, (s) => s, 'the store to mark ConfigMaps stale');
    // Changes the service cannot see while cut off.
    await admin(`/api/v1/namespaces/${NS}/configmaps/change`, 'PUT', { ...configMap('change', 'v2') });
    await admin(`/api/v1/namespaces/${NS}/configmaps/remove`, 'DELETE');
    await admin(`/api/v1/namespaces/${NS}/configmaps`, 'POST', configMap('added', 'v1'));
    // A restarted API server has a fresh watch cache: the service's last resourceVersion is too old there.
    await cluster.stopApiServer();
    await cluster.startApiServer();
    await proxy.restore();

    const expected = await freshList();
    await until(() => storeList(behind), (s) => JSON.stringify(s, Object.keys(s).sort()) === JSON.stringify(expected, Object.keys(expected).sort()), 'the store to equal a fresh list');
    expect(storeList(behind)).toEqual(expected);
    expect(Object.keys(expected).sort()).toEqual(['added', 'change', 'keep']);
    expect(behind.source.listCount('ConfigMap')).toBeGreaterThan(listsBefore);
    await until(() => behind.source.store.freshness(['ConfigMap']).stale, (s) => !s, 'fresh again');
  }, 180_000);
});

describe('many updates', () => {
  it('leaves the store equal to a fresh list after 1,000 updates', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `bulk-${i}`);
    for (const name of names) await admin(`/api/v1/namespaces/${NS}/configmaps`, 'POST', configMap(name, '0'));
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < 1_000; i = next++) {
        const name = names[i % names.length]!;
        const patched = await apiRequest(cluster, `/api/v1/namespaces/${NS}/configmaps/${name}`, {
          token: cluster.adminToken,
          method: 'PUT',
          body: configMap(name, String(i)),
        });
        if (patched.status !== 200) throw new Error(`update ${i}: HTTP ${patched.status}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const expected = await freshList();
    await until(() => storeList(kube), (s) => JSON.stringify(s, Object.keys(s).sort()) === JSON.stringify(expected, Object.keys(expected).sort()), 'the store to equal a fresh list');
    expect(storeList(kube)).toEqual(expected);
  }, 300_000);
});
