// How `--source kube` finds the cluster, against the real API server: KUBECONFIG (a list
// of files, merged as kubectl does), --kubeconfig, --context and its environment variable,
// and a pod's service account (in-cluster config).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeSource } from '../../src/cluster/kube/kube-source.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/server/create-app.js';
import { DEMO_PIPELINES, PIPELINE_QUERY } from '../queries/demo-expectations.js';
import { clientAt, clientFor, expectNoErrors } from '../support/graphql-client.js';
import { runNode, SERVER_ENTRY, startServer, type RunningServer } from '../support/processes.js';
import { useSharedCluster } from './harness/shared-cluster.js';
import { loadDemo, ROOT } from './support/demo-cluster.js';

const cluster = useSharedCluster();
let dir: string;
/** Current context "broken": a token the API server rejects. */
let broken: string;
/** Context "admin": the admin token. */
let admin: string;
let server: RunningServer | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-kube-config-'));
  await loadDemo(cluster);
  broken = join(dir, 'broken.kubeconfig');
  admin = join(dir, 'admin.kubeconfig');
  await cluster.writeKubeconfig(broken, 'not-a-valid-token', 'broken');
  await cluster.writeKubeconfig(admin, cluster.adminToken, 'admin');
}, 300_000);

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Starts the built server with `--source kube` and the given flags and environment, and asks for the HYBRID pipeline. */
async function hybridVia(args: string[], env: Record<string, string>): Promise<any> {
  server = await startServer(['--source', 'kube', ...args], { KUBECONFIG: '', FLUX_PIPELINES_CONTEXT: '', ...env });
  return clientAt(server.url).query(PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' });
}

const releasesOf = (data: any) => data.pipeline.stages.flatMap((s: any) => s.releases);

describe('choosing the cluster', () => {
  it('uses the current context of the first KUBECONFIG file that sets one', async () => {
    const response = await hybridVia([], { KUBECONFIG: [broken, admin].join(delimiter) });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('switches to the context --context names, from any file of the list', async () => {
    const data = expectNoErrors(await hybridVia(['--context', 'admin'], { KUBECONFIG: [broken, admin].join(delimiter) }));
    expect(releasesOf(data)).toHaveLength(6);
  });

  it('takes the context from FLUX_PIPELINES_CONTEXT as from the flag', async () => {
    const data = expectNoErrors(await hybridVia([], { KUBECONFIG: [broken, admin].join(delimiter), FLUX_PIPELINES_CONTEXT: 'admin' }));
    expect(releasesOf(data)).toHaveLength(6);
  });

  it('reads --kubeconfig PATH without KUBECONFIG', async () => {
    const data = expectNoErrors(await hybridVia(['--kubeconfig', admin], {}));
    expect(releasesOf(data)).toHaveLength(6);
  });

  it('refuses to start on a context the kubeconfig does not have, naming the ones it has', async () => {
    const finished = await runNode([SERVER_ENTRY, '--source', 'kube', '--context', 'nope', '--port', '0'], { KUBECONFIG: [broken, admin].join(delimiter) });
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain('kubeconfig has no context "nope" (it has: broken, admin)');
  });
});

describe('in a pod', () => {
  it('reads with the pod\'s service-account token and CA (the deploy/ ServiceAccount)', async () => {
    const applied = await cluster.kubectl(['apply', '--server-side', '--field-manager=e2e', '-k', `${ROOT}deploy`]);
    expect(applied.code, applied.stderr).toBe(0);
    const token = await cluster.kubectl(['create', 'token', 'flux-pipelines-api', '-n', 'flux-pipelines', '--duration=15m']);
    expect(token.code, token.stderr).toBe(0);
    // The files a pod has mounted, under a root of our own instead of /.
    const root = join(dir, 'pod');
    const mounted = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(mounted, { recursive: true });
    await writeFile(join(mounted, 'token'), token.stdout.trim());
    await writeFile(join(mounted, 'ca.crt'), cluster.caData);
    await writeFile(join(mounted, 'namespace'), 'flux-pipelines');

    const { hostname, port } = new URL(cluster.server);
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = hostname;
    process.env.KUBERNETES_SERVICE_PORT = port;
    let source: KubeSource;
    try {
      source = KubeSource.create({ kubeconfig: null, context: null, inCluster: true, inClusterRoot: root });
    } finally {
      restore('KUBERNETES_SERVICE_HOST', saved.host);
      restore('KUBERNETES_SERVICE_PORT', saved.port);
    }
    const client = clientFor(createApp({ source, logger: createLogger('silent') }));
    try {
    // Ready once every kind has synced through the pod's credentials.
    const deadline = Date.now() + 30_000;
    while (!(await source.checkReady()).ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await source.checkReady()).toMatchObject({ ready: true });
    for (const { approach, name } of DEMO_PIPELINES) {
      const data = expectNoErrors(await client.query(PIPELINE_QUERY, { approach, name }));
      expect(releasesOf(data)).toHaveLength(6);
    }
    } finally {
      await source.stop();
    }
  });
});

function restore(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}
