import type { TestCluster } from './cluster.js';

/**
 * Applies CRD manifests and waits until each is Established (served), so tests
 * can create custom objects right away. Returns the resource names
 * (customresourcedefinition.apiextensions.k8s.io/<plural>.<group>).
 */
export async function installCrds(
  cluster: Pick<TestCluster, 'kubectl'>,
  paths: string[],
  timeoutSeconds = 60,
): Promise<string[]> {
  if (paths.length === 0) return [];
  // Server-side apply: the Flux CRDs are too big for the last-applied
  // annotation that client-side apply would add (262144 bytes at most).
  const applied = await cluster.kubectl([
    'apply', '--server-side', '--field-manager=e2e-harness', '-o', 'name',
    ...paths.flatMap((path) => ['-f', path]),
  ]);
  if (applied.code !== 0) throw new Error(`applying CRDs failed: ${applied.stderr || applied.stdout}`);
  const names = applied.stdout.split('\n').filter((line) => line.trim() !== '');

  const waited = await cluster.kubectl([
    'wait', '--for=condition=Established', `--timeout=${timeoutSeconds}s`, ...names,
  ]);
  if (waited.code !== 0) throw new Error(`CRDs did not become Established: ${waited.stderr || waited.stdout}`);
  return names;
}
