// The query-level suite again, now with `--source kube` against a real kube-apiserver
// that holds the demo: one set of expectations for both readers.
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_FOUR_QUERY, DEMO_LIST_CALLS, defineDemoQuerySuite } from '../queries/demo-expectations.js';
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

/** "Pipeline flux-system" from "/apis/wego.weave.works/v1alpha3/namespaces/flux-system/pipelines". */
const KIND_OF_PLURAL: Record<string, string> = {
  pipelines: 'Pipeline',
  pipelinestages: 'PipelineStage',
  configmaps: 'ConfigMap',
  kustomizations: 'Kustomization',
  helmreleases: 'HelmRelease',
  deployments: 'Deployment',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
};
function listCall(request: string): string | null {
  const match = /^GET \/apis?\/(?:[^/]+\/)?[^/]+\/namespaces\/([^/]+)\/([^/?]+)(?:\?.*)?$/.exec(request);
  return match ? `${KIND_OF_PLURAL[match[2]!] ?? match[2]} ${match[1]}` : null;
}

describe('batching against the real API server', () => {
  it('sends at most one list request per kind and namespace for a query over all four pipelines', async () => {
    kube.requests.length = 0;
    const data = expectNoErrors(await kube.client.query(ALL_FOUR_QUERY));
    expect(Object.keys(data)).toHaveLength(4);
    const lists = kube.requests.map(listCall).filter((c): c is string => c !== null);
    const others = kube.requests.filter((r) => listCall(r) === null);
    expect(lists.sort()).toEqual([...DEMO_LIST_CALLS].sort());
    // Besides lists, at most the API discovery the reader caches.
    expect(others.every((r) => r.startsWith('GET /apis'))).toBe(true);
    expect(others.length).toBeLessThanOrEqual(1);
  });
});
