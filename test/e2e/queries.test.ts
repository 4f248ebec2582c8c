// The query-level suite again, now with `--source kube` against a real kube-apiserver
// that holds the demo: one set of expectations for both readers.
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_FOUR_QUERY, ALL_PIPELINES_QUERY, defineDemoQuerySuite } from '../queries/demo-expectations.js';
import { defineDemoInsightsSuite } from '../queries/insights-expectations.js';
import { expectNoErrors } from '../support/graphql-client.js';
import { useSharedCluster } from './harness/shared-cluster.js';
import { loadDemo } from './support/demo-cluster.js';
import { kubeClient, type KubeClient } from './support/kube-app.js';

const cluster = useSharedCluster();
let kube: KubeClient;

beforeAll(async () => {
  await loadDemo(cluster);
  kube = kubeClient(cluster.kubeconfigPath);
}, 300_000);

defineDemoQuerySuite('real kube-apiserver', () => kube.client);
// Health, drift, versions, whereDeployed, diagnostics (Namespaces read for real) and node().
defineDemoInsightsSuite('real kube-apiserver', () => kube.client);

describe('the watch-fed store against the real API server', () => {
  it('sends no request at all to the API server for queries once the store has synced', async () => {
    // The first query waits for the first sync of every kind it reads.
    expectNoErrors(await kube.client.query(ALL_FOUR_QUERY));
    const settle = Date.now() + 10_000;
    while ((await kube.source.checkReady()).ready !== true && Date.now() < settle) await new Promise((r) => setTimeout(r, 100));
    kube.requests.length = 0;
    for (let i = 0; i < 3; i++) {
      const data = expectNoErrors(await kube.client.query(ALL_FOUR_QUERY));
      expect(Object.keys(data)).toHaveLength(4);
      expectNoErrors(await kube.client.query(ALL_PIPELINES_QUERY));
    }
    // Watches that the API server ends on its own schedule may be renewed meanwhile; nothing else.
    expect(kube.requests.filter((r) => !r.includes('watch=true'))).toEqual([]);
  });
});
