import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/cluster/kube-object.js';
import type { ClusterReader, ClusterSource } from '../src/cluster/reader.js';
import type { ResourceKind } from '../src/cluster/resources.js';
import { parseSnapshotFile, yamlFilesUnder } from '../src/cluster/snapshot/load-snapshot.js';
import { fillStore } from '../src/cluster/snapshot/snapshot-source.js';
import type { IndexName } from '../src/cluster/store/indexes.js';
import { ObjectStore } from '../src/cluster/store/object-store.js';
import { projectObject } from '../src/cluster/store/projection.js';
import { StoreReader } from '../src/cluster/store/store-reader.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/server/create-app.js';
import { pipelineName, RELEASES_PER_STAGE, STAGES, writeFleet } from '../scripts/fleet.js';
import { readmeQuery } from '../scripts/readme-query.js';

/**
 * Issue 8: one `pipeline` query costs what its answer costs, not what the cluster holds.
 * Timing cannot pin that in a fast suite; counting can. Every read the query makes is
 * recorded at the reader interface, and every object the store hands out (before the
 * reader filters anything) is counted, on two generated fleets ten times apart in size
 * (neighbouring pipelines share the stage namespaces, as in the bench's fleet). The same
 * query must make the same reads and touch the same objects on both, never list a kind
 * or a namespace whole, and touch no more objects than its answer holds.
 */

/** A store that counts every object its reads hand to the reader above it (before any filtering). */
class CountingStore extends ObjectStore {
  touched = 0;

  override get(kind: ResourceKind, namespace: string | null, name: string) {
    const found = super.get(kind, namespace, name);
    if (found) this.touched++;
    return found;
  }

  override list(kind: ResourceKind, namespace: string | null) {
    const found = super.list(kind, namespace);
    this.touched += found.length;
    return found;
  }

  override byIndex(kind: ResourceKind, index: IndexName, key: string) {
    const found = super.byIndex(kind, index, key);
    this.touched += found.length;
    return found;
  }
}

/** Counts the reads of the reader interface, by method and kind. */
function countingReader(inner: ClusterReader, calls: Map<string, number>): ClusterReader {
  const note = (method: string, kind: ResourceKind) => calls.set(`${method} ${kind}`, (calls.get(`${method} ${kind}`) ?? 0) + 1);
  return {
    list: (kind, namespace, options) => (note('list', kind), inner.list(kind, namespace, options)),
    get: (kind, namespace, name, options) => (note('get', kind), inner.get!(kind, namespace, name, options)),
    listByLabels: (kind, namespace, labels, options) => (note('labels', kind), inner.listByLabels!(kind, namespace, labels, options)),
    listByInventoryEntry: (kind, namespace, entryId, options) => (note('inventory', kind), inner.listByInventoryEntry!(kind, namespace, entryId, options)),
    freshness: (kinds) => inner.freshness!(kinds),
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A generated fleet (scripts/fleet.ts, as the bench uses) in a counting store, served by the real app. */
async function fleetOf(pipelines: number) {
  const dir = mkdtempSync(join(tmpdir(), 'one-pipeline-reads-'));
  dirs.push(dir);
  writeFleet(dir, { scale: pipelines / 1000, seed: 7, list: false });
  const store = new CountingStore();
  const objects: KubeObject[] = [];
  for (const file of await yamlFilesUnder(dir)) objects.push(...(await parseSnapshotFile(file, file, { project: projectObject })));
  fillStore(store, objects, true);
  const calls = new Map<string, number>();
  const reader = new StoreReader(store);
  const source: ClusterSource = {
    description: `fleet of ${pipelines}`,
    readerFor: () => countingReader(reader, calls),
    checkReady: async () => ({ ready: true, message: 'ok' }),
    // No generation: answers are not cached, every counted query is computed.
  };
  const app = createApp({ source, logger: createLogger('silent'), resultCacheBytes: 0 });
  const readme = async (name: string) => {
    calls.clear();
    store.touched = 0;
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: readmeQuery(name) }),
    });
    const body = (await response.json()) as { data?: { pipeline?: { stages: { releases: { workloads: unknown[] }[] }[] } }; errors?: unknown };
    return { body, calls: Object.fromEntries([...calls].sort()), touched: store.touched, stored: objects.length };
  };
  return { readme };
}

describe('one pipeline query reads only what it answers', () => {
  it('reads the same objects, by index, whether the fleet has 2 or 20 pipelines', async () => {
    const small = await fleetOf(2);
    const large = await fleetOf(20);
    // The same pipeline (the second: it has neighbours in its stage namespaces on both fleets).
    const name = pipelineName(1);
    const a = await small.readme(name);
    const b = await large.readme(name);

    // A real answer: every stage with its releases, each release with its Deployment.
    expect(a.body.errors).toBeUndefined();
    const stages = a.body.data!.pipeline!.stages;
    expect(stages).toHaveLength(STAGES.length);
    for (const stage of stages) {
      expect(stage.releases).toHaveLength(RELEASES_PER_STAGE);
      for (const release of stage.releases) expect(release.workloads).toHaveLength(1);
    }
    expect(b.body).toEqual(a.body);

    // Nothing listed whole: every read is a lookup (by name, label, owner or inventory entry).
    expect(Object.keys(a.calls).filter((k) => k.startsWith('list '))).toEqual([]);
    // The Pipeline, each stage's releases and each release's Deployment: what the answer holds.
    const answered = 1 + STAGES.length * RELEASES_PER_STAGE * 2;
    expect(a.touched).toBe(answered);
    // Ten times the cluster: the very same reads, the very same objects touched.
    expect(b.stored).toBeGreaterThanOrEqual(10 * a.stored - 10);
    expect(b.calls).toEqual(a.calls);
    expect(b.touched).toBe(a.touched);
  });
});
