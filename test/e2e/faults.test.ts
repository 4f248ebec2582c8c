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
  kube = kubeClient(cluster.kubeconfigPath, { ...DEFAULT_LIMITS, queryTimeoutMs: DEADLINE_MS });
  server = createHttpServer({ app: kube.app, source: kube.source, logger: createLogger('silent'), isDraining: () => false, maxBodyBytes: 65_536 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 300_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

const readyz = async () => (await fetch(`${url}/readyz`)).status;

describe('the API server stops mid-suite', () => {
  it('fails queries fast with KUBERNETES_UNAVAILABLE, turns /readyz unready, and recovers when it is back', async () => {
    expect(await readyz()).toBe(200);
    expectNoErrors(await kube.client.query(PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }));

    await cluster.stopApiServer();
    try {
      const started = Date.now();
      const response = await kube.client.query(PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' });
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
      expect(response.data?.pipeline).toBeNull();
      expect(response.errors?.[0]?.extensions?.code).toBe('KUBERNETES_UNAVAILABLE');
      expect(await readyz()).toBe(503);
    } finally {
      await cluster.startApiServer();
    }

    const deadline = Date.now() + 60_000;
    while ((await readyz()) !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(await readyz()).toBe(200);
    expectNoErrors(await kube.client.query(PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }));
  });
});

describe('our CRDs are not installed', () => {
  it('fails the Pipeline approaches with CRD_NOT_INSTALLED naming `make install`, while CM keeps working', async () => {
    try {
      const deleted = await cluster.kubectl(['delete', 'crd', 'pipelines.wego.weave.works', 'pipelinestages.wego.weave.works', '--wait=true', '--timeout=60s']);
      expect(deleted.code).toBe(0);
      await forgetDemo(cluster);

      const one = await kube.client.query(PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' });
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
    expectNoErrors(await kube.client.query(PIPELINE_QUERY, { approach: 'STAGE', name: 'example-pipeline-stage' }));
  });
});
