// The harness itself: the shared cluster is a real, secured apiserver with the
// Flux CRDs served, and its apiserver can be taken down and brought back.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { apiRequest } from './harness/api-request.js';
import { useSharedCluster } from './harness/shared-cluster.js';

const cluster = useSharedCluster();

interface Crd {
  metadata: { name: string };
  spec: { group: string; versions: { name: string; served: boolean }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

describe('shared e2e cluster', () => {
  it('answers /readyz to the admin token', async () => {
    const res = await apiRequest(cluster, '/readyz', { token: cluster.adminToken });
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
  });

  it('serves the Flux CRDs, Established', async () => {
    const names = cluster.fluxCrdPaths.map((path) => (parse(readFileSync(path, 'utf8')) as Crd).metadata.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'kustomizations.kustomize.toolkit.fluxcd.io',
        'helmreleases.helm.toolkit.fluxcd.io',
        'gitrepositories.source.toolkit.fluxcd.io',
        'helmrepositories.source.toolkit.fluxcd.io',
      ]),
    );
    for (const name of names) {
      const res = await apiRequest(cluster, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`, {
        token: cluster.adminToken,
      });
      expect(res.status, name).toBe(200);
      const established = res.json<Crd>().status?.conditions?.find((c) => c.type === 'Established');
      expect(established?.status, name).toBe('True');
    }
    // The API versions the service reads are in discovery.
    for (const groupVersion of ['kustomize.toolkit.fluxcd.io/v1', 'helm.toolkit.fluxcd.io/v2', 'source.toolkit.fluxcd.io/v1']) {
      const res = await apiRequest(cluster, `/apis/${groupVersion}`, { token: cluster.adminToken });
      expect(res.status, groupVersion).toBe(200);
    }
  });

  it('creates a namespace and a ConfigMap with kubectl', async () => {
    const ns = `smoke-${Date.now()}`;
    const created = await cluster.kubectl(['create', 'namespace', ns]);
    expect(created.code, created.stderr).toBe(0);
    const cm = await cluster.kubectl(['-n', ns, 'create', 'configmap', 'greeting', '--from-literal=hello=world']);
    expect(cm.code, cm.stderr).toBe(0);

    const got = await cluster.kubectl(['-n', ns, 'get', 'configmap', 'greeting', '-o', 'jsonpath={.data.hello}']);
    expect(got).toMatchObject({ code: 0, stdout: 'world' });
    const res = await apiRequest(cluster, `/api/v1/namespaces/${ns}/configmaps/greeting`, { token: cluster.adminToken });
    expect(res.json<{ data: Record<string, string> }>().data).toEqual({ hello: 'world' });
  });

  it('rejects a wrong token with 401 and gives anonymous users nothing', async () => {
    const wrong = await apiRequest(cluster, '/api/v1/namespaces', { token: 'not-a-valid-token' });
    expect(wrong.status).toBe(401);
    // Like a real cluster, anonymous auth is on: a request without credentials
    // authenticates as system:anonymous, which RBAC then forbids.
    const anonymous = await apiRequest(cluster, '/api/v1/namespaces');
    expect(anonymous.status).toBe(403);
    expect(anonymous.json<{ message: string }>().message).toContain('system:anonymous');
  });

  it('kubectl with a kubeconfig for a wrong token fails to authenticate', async () => {
    const path = `${cluster.tempDir}/wrong-token.kubeconfig`;
    await cluster.writeKubeconfig(path, 'not-a-valid-token', 'wrong');
    const res = await cluster.kubectl(['get', 'namespaces'], { kubeconfig: path });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/Unauthorized|must be logged in/);
  });

  it('stops the apiserver (connections refused) and starts it again on the same URL', async () => {
    await cluster.stopApiServer();
    await expect(apiRequest(cluster, '/readyz', { token: cluster.adminToken })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });

    await cluster.startApiServer();
    const res = await apiRequest(cluster, '/readyz', { token: cluster.adminToken });
    expect(res.status).toBe(200);
    // etcd kept the data across the restart.
    const crd = await apiRequest(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/kustomizations.kustomize.toolkit.fluxcd.io', {
      token: cluster.adminToken,
    });
    expect(crd.status).toBe(200);
  });
});
