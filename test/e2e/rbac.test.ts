// The service running as the deploy/ ServiceAccount: exactly enough access, no Secrets;
// and what a narrower or a bad identity gets.
import { sign } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_PIPELINES_QUERY, DEMO_PIPELINES, PIPELINE_QUERY } from '../queries/demo-expectations.js';
import { expectNoErrors } from '../support/graphql-client.js';
import { useSharedCluster } from './harness/shared-cluster.js';
import { loadDemo, ROOT } from './support/demo-cluster.js';
import { kubeClient } from './support/kube-app.js';

const cluster = useSharedCluster();
const NS = 'flux-pipelines';
const SA = 'flux-pipelines-api';
let dir: string;

async function must(args: string[], input?: string): Promise<string> {
  const result = await cluster.kubectl(args, { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** A kubeconfig holding a fresh TokenRequest token for a ServiceAccount. */
async function kubeconfigFor(serviceAccount: string): Promise<string> {
  const token = await must(['create', 'token', serviceAccount, '-n', NS, '--duration=15m']);
  const path = join(dir, `${serviceAccount}.kubeconfig`);
  await cluster.writeKubeconfig(path, token);
  return path;
}

/**
 * A ServiceAccount token the API server issued, with its claims changed and signed again
 * with the cluster's service-account key, as the API server itself would sign it.
 */
async function resigned(token: string, change: (claims: Record<string, any>) => void): Promise<string> {
  const [header, payload] = token.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  change(claims);
  const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const key = await readFile(join(cluster.tempDir, 'pki', 'sa.key'), 'utf8');
  return `${body}.${sign('sha256', Buffer.from(body), key).toString('base64url')}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-rbac-'));
  await loadDemo(cluster);
  await must(['apply', '--server-side', '--field-manager=e2e', '-k', `${ROOT}deploy`]);
}, 300_000);

describe('the deploy/ ServiceAccount and ClusterRole', () => {
  it('answer every demo query without an error', async () => {
    const { client } = kubeClient(await kubeconfigFor(SA));
    for (const { approach, name } of DEMO_PIPELINES) {
      const data = expectNoErrors(await client.query(PIPELINE_QUERY, { approach, name }));
      expect(data.pipeline.stages.flatMap((s: any) => s.releases)).toHaveLength(6);
    }
    const all = expectNoErrors(await client.query(ALL_PIPELINES_QUERY));
    expect(all.pipelines).toHaveLength(4);
  });

  it('cannot read Secrets with the same token', async () => {
    const kubeconfig = await kubeconfigFor(SA);
    const secrets = await cluster.kubectl(['get', 'secrets', '-n', 'flux-system'], { kubeconfig });
    expect(secrets.code).not.toBe(0);
    expect(secrets.stderr).toMatch(/forbidden/i);
    const canI = await cluster.kubectl(['auth', 'can-i', 'list', 'secrets', '--all-namespaces'], { kubeconfig });
    expect(canI.stdout.trim()).toBe('no');
    const canList = await cluster.kubectl(['auth', 'can-i', 'list', 'pipelines.wego.weave.works', '--all-namespaces'], { kubeconfig });
    expect(canList.stdout.trim()).toBe('yes');
  });
});

describe('narrower and broken identities', () => {
  it('reports a stage namespace the token may not read as FORBIDDEN there, the rest intact', async () => {
    // Read access in every namespace but prod, granted per namespace.
    await must(['create', 'serviceaccount', 'limited', '-n', NS]);
    for (const ns of ['flux-system', 'dev', 'staging']) {
      await must(['create', 'rolebinding', 'limited-read', '-n', ns, '--clusterrole=flux-pipelines-api-reader', `--serviceaccount=${NS}:limited`]);
    }
    const { client } = kubeClient(await kubeconfigFor('limited'));
    for (const approach of ['HYBRID', 'STAGE'] as const) {
      const name = DEMO_PIPELINES.find((p) => p.approach === approach)!.name;
      const response = await client.query(PIPELINE_QUERY, { approach, name });
      const stages = response.data!.pipeline.stages;
      expect(stages[0].releases).toHaveLength(2);
      expect(stages[1].releases).toHaveLength(2);
      expect(stages[2].releases).toBeNull();
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]).toMatchObject({
        path: ['pipeline', 'stages', 2, 'releases'],
        extensions: { code: 'FORBIDDEN', namespace: 'prod' },
      });
      // The API server's Status names the service account; clients never see it.
      expect(JSON.stringify(response)).not.toContain('system:serviceaccount');
    }
  });

  it('answers a wrong token with UNAUTHENTICATED and keeps serving', async () => {
    const path = join(dir, 'wrong.kubeconfig');
    await cluster.writeKubeconfig(path, 'not-a-real-token');
    const { client } = kubeClient(path);
    const response = await client.query(PIPELINE_QUERY, { approach: 'CM', name: 'example-pipeline' });
    expect(response.data?.pipeline).toBeNull();
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.errors?.[0]?.message).toContain('rejected the service\'s credentials');
    const again = await client.query(PIPELINE_QUERY, { approach: 'CM', name: 'example-pipeline' });
    expect(again.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers the token of a deleted ServiceAccount (no longer valid) with UNAUTHENTICATED', async () => {
    await must(['create', 'serviceaccount', 'short-lived', '-n', NS]);
    const kubeconfig = await kubeconfigFor('short-lived');
    await must(['delete', 'serviceaccount', 'short-lived', '-n', NS]);
    const { client } = kubeClient(kubeconfig);
    const response = await client.query(ALL_PIPELINES_QUERY, { approach: 'CM' });
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('answers an expired ServiceAccount token with UNAUTHENTICATED; the same token unexpired works', async () => {
    const issued = await must(['create', 'token', SA, '-n', NS, '--duration=15m']);
    const now = Math.floor(Date.now() / 1000);
    const tokens = {
      // Re-signed unchanged: proves the re-signing is sound, so only the expiry differs below.
      current: await resigned(issued, () => {}),
      expired: await resigned(issued, (claims) => {
        claims.iat = claims.nbf = now - 7200;
        claims.exp = now - 3600;
      }),
    };
    const answers: Record<string, unknown> = {};
    for (const [which, token] of Object.entries(tokens)) {
      const path = join(dir, `${which}.kubeconfig`);
      await cluster.writeKubeconfig(path, token);
      const response = await kubeClient(path).client.query(PIPELINE_QUERY, { approach: 'CM', name: 'example-pipeline' });
      answers[which] = response.errors?.map((e) => e.extensions?.code) ?? 'ok';
    }
    expect(answers).toEqual({ current: 'ok', expired: ['UNAUTHENTICATED'] });
  });
});
