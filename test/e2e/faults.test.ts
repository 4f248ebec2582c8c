// API server faults while the service runs: it fails fast with a clear code, its
// readiness follows the API server, and it recovers without a restart.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createHttpServer } from '../../src/server/http-server.js';
import { ALL_PIPELINES_QUERY, PIPELINE_QUERY } from '../queries/demo-expectations.js';
import { expectNoErrors } from '../support/graphql-client.js';
import { useSharedCluster } from './harness/shared-cluster.js';
import { forgetDemo, loadDemo } from './support/demo-cluster.js';
import { kubeClient, type KubeClient } from './support/kube-app.js';

const cluster = useSharedCluster();
const DEADLINE_MS = 5_000;
let kube: KubeClient;
let server: Server;
let url: string;

beforeAll(async () => {
  await loadDemo(cluster);
  kube = kubeClient(cluster.kubeconfigPath, { ...DEFAULT_LIMITS, queryTimeoutMs: DEADLINE_MS }, { staleGraceMs: 1_000, timing: { backoffMinMs: 100, backoffMaxMs: 1_000, retryMissingMs: 500 } });
  server = createHttpServer({ app: kube.app, source: kube.source, logger: createLogger('silent'), isDraining: () => false, maxBodyBytes: 65_536 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 300_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

const readyz = async () => (await fetch(`${url}/readyz`)).status;

const FRESHNESS_QUERY = `query One($approach: Approach!, $name: String!) {
  pipeline(approach: $approach, name: $name) { name freshness { stale lastSyncAt staleKinds } stages { name releases { name } } }
}`;

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, ceilingMs = 60_000): Promise<T> {
  const deadline = Date.now() + ceilingMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the API server stops mid-suite', () => {
  it('answers from the last synced state marked stale, turns /readyz unready after the grace period, and is fresh again once it is back, without a restart', async () => {
    await until(readyz, (s) => s === 200, '/readyz 200');
    const before = expectNoErrors(await kube.client.query(FRESHNESS_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }));
    expect(before.pipeline.freshness.stale).toBe(false);

    await cluster.stopApiServer();
    try {
      const stale = await until(
        () => kube.client.query(FRESHNESS_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }),
        (r) => r.data?.pipeline?.freshness?.stale === true,
        'a stale answer',
      );
      expect(stale.errors).toBeUndefined();
      // The same pipeline as before, from the store, with the time of the last sync.
      expect(stale.data!.pipeline.stages).toEqual(before.pipeline.stages);
      expect(Date.parse(stale.data!.pipeline.freshness.lastSyncAt)).toBeGreaterThan(0);
      await until(readyz, (s) => s === 503, '/readyz 503 after the grace period');
    } finally {
      await cluster.startApiServer();
    }

    await until(readyz, (s) => s === 200, '/readyz 200 again');
    const after = await until(
      () => kube.client.query(FRESHNESS_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }),
      (r) => r.data?.pipeline?.freshness?.stale === false,
      'a fresh answer',
    );
    expect(after.errors).toBeUndefined();
  });
});

describe('our CRDs are not installed', () => {
  it('fails the Pipeline approaches with CRD_NOT_INSTALLED naming `make install`, while CM keeps working', async () => {
    try {
      const deleted = await cluster.kubectl(['delete', 'crd', 'pipelines.wego.weave.works', 'pipelinestages.wego.weave.works', '--wait=true', '--timeout=60s']);
      expect(deleted.code).toBe(0);
      await forgetDemo(cluster);

      // The store hears of the deletion through its watch: wait for it, within a ceiling.
      const one = await until(
        () => kube.client.query(PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }),
        (r) => r.errors?.[0]?.extensions?.code === 'CRD_NOT_INSTALLED',
        'CRD_NOT_INSTALLED',
      );
      expect(one.data?.pipeline).toBeNull();
      expect(one.errors?.[0]?.extensions).toMatchObject({ code: 'CRD_NOT_INSTALLED', kind: 'Pipeline' });
      expect(one.errors?.[0]?.message).toContain('make install');

      const cm = expectNoErrors(await kube.client.query(PIPELINE_QUERY, { approach: 'CM', name: 'example-pipeline' }));
      expect(cm.pipeline.stages.flatMap((s: any) => s.releases)).toHaveLength(6);

      const all = await kube.client.query(ALL_PIPELINES_QUERY);
      expect(all.data?.pipelines.map((p: any) => p?.approach ?? null)).toEqual([null, 'CM']);
      expect(all.errors?.map((e) => e.extensions?.code)).toEqual(['CRD_NOT_INSTALLED']);
    } finally {
      await loadDemo(cluster);
    }
    // Reinstalled: found again without restarting the service.
    await until(
      () => kube.client.query(PIPELINE_QUERY, { approach: 'STAGE', name: 'example-pipeline-stage' }),
      (r) => r.errors === undefined && r.data?.pipeline?.stages?.[0]?.releases?.length === 2,
      'the STAGE pipeline again',
    );
  });
});
