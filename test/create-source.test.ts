// The configured source, as main.ts builds it: which source each --source gives, how it
// names itself (what /readyz and the logs show), and that a snapshot path is watched.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { createSource } from '../src/cluster/create-source.js';
import type { SnapshotSource } from '../src/cluster/snapshot/snapshot-source.js';

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: flux-system\ndata:\n  note: x\n`;

describe('createSource', () => {
  const dirs: string[] = [];
  const sources: SnapshotSource[] = [];
  afterEach(async () => {
    for (const source of sources.splice(0)) await source.stop?.();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('names the built-in demo as such', async () => {
    const source = (await createSource({ type: 'demo' })) as SnapshotSource;
    sources.push(source);
    expect(source.description).toBe('the built-in demo snapshot');
  });

  it('names a snapshot by its path and watches it: an edit reaches the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'create-source-'));
    dirs.push(dir);
    const file = join(dir, 'objects.yaml');
    writeFileSync(file, configMap('first'));
    const source = (await createSource({ type: 'snapshot', path: file })) as SnapshotSource;
    sources.push(source);
    expect(source.description).toBe(`snapshot ${file}`);
    expect(source.store.get('ConfigMap', 'flux-system', 'second')).toBeUndefined();
    writeFileSync(file, `${configMap('first')}---\n${configMap('second')}`);
    // Polling with a generous ceiling: the watcher's timing is the file system's.
    for (let i = 0; i < 400 && !source.store.get('ConfigMap', 'flux-system', 'second'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(source.store.get('ConfigMap', 'flux-system', 'second')?.metadata.name).toBe('second');
  });

  it('reads the kubeconfig it is given for --source kube, and says which one is missing', async () => {
    const failure = await createSource({ type: 'kube', context: null, kubeconfig: '/nonexistent/kubeconfig', inCluster: false, defaultKubeconfig: undefined }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toBe('kubeconfig not found: /nonexistent/kubeconfig');
  });
});
