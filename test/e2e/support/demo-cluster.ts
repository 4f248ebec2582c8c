import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../../../src/cluster/kube-object.js';
import { loadSnapshot } from '../../../src/cluster/snapshot/load-snapshot.js';
import type { SharedTestCluster } from '../harness/shared-cluster.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MARKER = ['configmap', 'e2e-demo-loaded', '-n', 'default'];

async function must(cluster: SharedTestCluster, args: string[], input?: string): Promise<string> {
  const result = await cluster.kubectl(args, { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

/** `kind.version.group`, the form kubectl takes to address exactly one resource type. */
function resourceOf(object: KubeObject): string {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  return [object.kind.toLowerCase(), version, group].filter(Boolean).join('.');
}

/** Metadata the API server owns; the snapshot records it, a create must not send it. */
function forCreate(object: KubeObject): KubeObject {
  const { uid, resourceVersion, creationTimestamp, generation, ...metadata } = object.metadata as Record<string, unknown>;
  void uid, resourceVersion, creationTimestamp, generation;
  const { status, ...rest } = object;
  void status;
  return { ...rest, metadata } as KubeObject;
}

export async function installOwnCrds(cluster: SharedTestCluster): Promise<void> {
  await must(cluster, ['apply', '--server-side', '--field-manager=e2e', '-k', `${ROOT}crds`]);
  await must(cluster, ['wait', '--for=condition=Established', '--timeout=60s', 'crd/pipelines.wego.weave.works', 'crd/pipelinestages.wego.weave.works']);
}

/**
 * Puts the demo in the cluster as a newcomer would (our CRDs, then `kubectl apply -k
 * demo`, server-side), then plays Flux's part from the built-in snapshot: creates the
 * workloads Flux would have applied and writes every status through the status
 * subresource. Idempotent across test files: a marker records that it is done.
 */
export async function loadDemo(cluster: SharedTestCluster): Promise<void> {
  if ((await cluster.kubectl(['get', ...MARKER, '-o', 'name'])).code === 0) return;
  await installOwnCrds(cluster);
  await must(cluster, ['apply', '--server-side', '--field-manager=e2e', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n');
  await must(cluster, ['apply', '--server-side', '--field-manager=e2e', '-k', `${ROOT}demo`]);

  const { objects } = await loadSnapshot(`${ROOT}demo/snapshot`);
  // What Flux itself would have created: the workloads of the Kustomizations and Helm releases.
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Service');
  await must(cluster, ['apply', '--server-side', '--field-manager=flux-e2e', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: workloads.map(forCreate) }));

  for (const object of objects) {
    if (!object.status || object.kind === 'Namespace' || object.kind === 'Service') continue;
    await must(cluster, [
      'patch', resourceOf(object), object.metadata.name,
      ...(object.metadata.namespace ? ['-n', object.metadata.namespace] : []),
      '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: object.status }),
    ]);
  }
  await must(cluster, ['create', ...MARKER]);
}

/** Forgets that the demo was loaded, so the next loadDemo() applies it again. */
export async function forgetDemo(cluster: SharedTestCluster): Promise<void> {
  await cluster.kubectl(['delete', ...MARKER, '--ignore-not-found']);
}
