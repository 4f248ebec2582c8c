// The shared store (src/cluster/store/): what a write does (the change it reports, the
// generation it bumps, the indexes it keeps), what a read answers (by namespace, name,
// label, Flux owner, inventory entry, live for a direct kind), how feed health turns into
// freshness and events, and which changes a live query is told about (ReadRecorder).
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../src/cluster/kube-object.js';
import type { ClusterReader, SourceEvent } from '../src/cluster/reader.js';
import { indexKey, INDEXES, ownerValue } from '../src/cluster/store/indexes.js';
import { ObjectStore, objectKey } from '../src/cluster/store/object-store.js';
import { projectObject } from '../src/cluster/store/projection.js';
import { ReadRecorder } from '../src/cluster/store/read-recorder.js';
import { StoreReader } from '../src/cluster/store/store-reader.js';
import { PipelineApiError } from '../src/errors.js';

const LABEL = 'pipelines.wego.weave.works/name';
const KS = 'kustomize.toolkit.fluxcd.io';
const HR = 'helm.toolkit.fluxcd.io';

function deploy(namespace: string | undefined, name: string, extra: { labels?: Record<string, string>; rv?: string; uid?: string; spec?: unknown; status?: unknown } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      ...(extra.uid ? { uid: extra.uid } : {}),
      ...(extra.labels ? { labels: extra.labels } : {}),
      ...(extra.rv ? { resourceVersion: extra.rv } : {}),
    },
    ...(extra.spec === undefined ? {} : { spec: extra.spec }),
    ...(extra.status === undefined ? {} : { status: extra.status }),
  };
}
const names = (objects: KubeObject[]) => objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);

afterEach(() => {
  vi.useRealTimers();
});

describe('ObjectStore writes', () => {
  it('reports an added, a modified and a deleted object, each with what it replaced', () => {
    const store = new ObjectStore();
    const a1 = deploy('a', 'web', { rv: '1' });
    const a2 = deploy('a', 'web', { rv: '2' });
    expect(store.upsert('Deployment', a1, 10)).toStrictEqual({ kind: 'Deployment', type: 'ADDED', object: a1 });
    expect(store.upsert('Deployment', a2, 20)).toStrictEqual({ kind: 'Deployment', type: 'MODIFIED', object: a2, previous: a1 });
    expect(store.remove('Deployment', { metadata: { name: 'web', namespace: 'a' } }, 30)).toStrictEqual({ kind: 'Deployment', type: 'DELETED', object: a2, previous: a2 });
    expect(store.remove('Deployment', { metadata: { name: 'web', namespace: 'a' } }, 40)).toBeNull();
    expect(store.list('Deployment', null)).toEqual([]);
    expect(store.status('Deployment').lastSyncAt).toBe(40);
  });

  it('ignores an upsert of the same version: same uid and resourceVersion, or the same content without one', () => {
    const store = new ObjectStore();
    // With a resourceVersion, it alone decides: even content that differs is the same version.
    store.upsert('Deployment', deploy('a', 'web', { uid: 'u1', rv: '1', status: { readyReplicas: 1 } }));
    expect(store.upsert('Deployment', deploy('a', 'web', { uid: 'u1', rv: '1', status: { readyReplicas: 2 } }))).toBeNull();
    // A new uid is a new object, whatever its resourceVersion.
    expect(store.upsert('Deployment', deploy('a', 'web', { uid: 'u2', rv: '1' }))?.type).toBe('MODIFIED');
    // resourceVersion on one side only: a change.
    expect(store.upsert('Deployment', deploy('a', 'web', { uid: 'u2' }))?.type).toBe('MODIFIED');
    expect(store.upsert('Deployment', deploy('a', 'web', { uid: 'u2', rv: '5' }))?.type).toBe('MODIFIED');
    store.upsert('Deployment', deploy('b', 'api', { status: { replicas: 1 } }));
    expect(store.upsert('Deployment', deploy('b', 'api', { status: { replicas: 1 } }))).toBeNull();
    expect(store.upsert('Deployment', deploy('b', 'api', { status: { replicas: 2 } }))?.type).toBe('MODIFIED');
  });

  it('projects what it is given unless told it is already projected', () => {
    const store = new ObjectStore();
    const raw: KubeObject = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'app', namespace: 'a' },
      spec: { chart: { spec: { chart: 'c' } }, values: { password: 'hunter2' } },
    };
    expect(store.upsert('HelmRelease', raw)!.object).toEqual(projectObject(raw));
    expect(JSON.stringify(store.get('HelmRelease', 'a', 'app'))).not.toContain('hunter2');
    const kept = { ...raw, metadata: { name: 'kept', namespace: 'a' } };
    expect(store.upsert('HelmRelease', kept, 1, true)!.object).toBe(kept);
    store.replace('HelmRelease', [kept], 2, true);
    expect(store.get('HelmRelease', 'a', 'kept')).toBe(kept);
  });

  it('applies a complete list as the changes leading to it, marking the kind synced and fresh', () => {
    const store = new ObjectStore();
    const one = deploy('a', 'one', { rv: '1' });
    const two = deploy('a', 'two', { rv: '1' });
    store.replace('Deployment', [one, two], 100);
    store.setStatus('Deployment', { stale: true, error: new Error('watch down') });
    const two2 = deploy('a', 'two', { rv: '2' });
    const three = deploy('b', 'three', { rv: '1' });
    expect(store.replace('Deployment', [two2, three], 200)).toStrictEqual([
      { kind: 'Deployment', type: 'MODIFIED', object: two2, previous: two },
      { kind: 'Deployment', type: 'ADDED', object: three },
      { kind: 'Deployment', type: 'DELETED', object: one, previous: one },
    ]);
    expect(store.status('Deployment')).toEqual({ synced: true, error: null, stale: false, staleSince: null, lastSyncAt: 200, watchRestarts: 0, direct: false });
    expect(names(store.list('Deployment', null))).toEqual(['a/two', 'b/three']);
    expect(store.replace('Deployment', [two2, three], 300)).toEqual([]);
  });

  it('forgets every object of a cleared kind, reporting each deletion', () => {
    const store = new ObjectStore();
    store.replace('Deployment', [deploy('a', 'one'), deploy('b', 'two')]);
    const events: string[] = [];
    store.subscribe((e) => {
      if (e.type === 'change') events.push(`${e.change.type} ${e.change.object.metadata.name}`);
    });
    store.clear('Deployment');
    expect(events).toEqual(['DELETED one', 'DELETED two']);
    expect(store.count('Deployment')).toBe(0);
  });

  it('bumps the generation on every write, and has none while a kind is read live', () => {
    const store = new ObjectStore(['Deployment', 'ConfigMap']);
    expect(store.generation()).toBe(0);
    store.upsert('Deployment', deploy('a', 'web'));
    store.upsert('Deployment', deploy('a', 'web')); // unchanged, but its time of last sync moved
    store.remove('Deployment', deploy('a', 'gone'));
    store.touch('Deployment', 5);
    store.setStatus('Deployment', { synced: true });
    expect(store.generation()).toBe(5);
    expect(store.status('Deployment').lastSyncAt).toBe(5);
    store.setStatus('ConfigMap', { direct: true });
    expect(store.generation()).toBeNull();
    store.setStatus('ConfigMap', { direct: false });
    expect(store.generation()).toBe(7);
  });

  it('tells every listener every change, even when one of them throws, until it unsubscribes', () => {
    const store = new ObjectStore();
    const heard: string[] = [];
    store.subscribe(() => {
      throw new Error('listener bug');
    });
    const stop = store.subscribe((e) => heard.push(e.type === 'change' ? e.change.object.metadata.name : 'health'));
    expect(store.listenerCount()).toBe(2);
    store.upsert('Deployment', deploy('a', 'one'));
    stop();
    expect(store.listenerCount()).toBe(1);
    store.upsert('Deployment', deploy('a', 'two'));
    expect(heard).toEqual(['one']);
  });

  it('does not tell a listener added during an event about that event', () => {
    const store = new ObjectStore();
    const late: string[] = [];
    const stop = store.subscribe(() => {
      store.subscribe((e) => late.push(e.type));
      stop();
    });
    store.upsert('Deployment', deploy('a', 'one'));
    expect(late).toEqual([]);
  });
});

describe('ObjectStore indexes', () => {
  it('finds an object by name in its namespace from the table itself', () => {
    const store = new ObjectStore();
    store.replace('Deployment', [deploy('a', 'web'), deploy('b', 'web'), deploy('a', 'api')]);
    expect(names([store.get('Deployment', 'a', 'web')!])).toEqual(['a/web']);
    expect(names([store.get('Deployment', 'b', 'web')!])).toEqual(['b/web']);
    expect(store.get('Deployment', 'c', 'web')).toBeUndefined();
  });

  it('keeps a key shared by several objects exact as they come and go', () => {
    const store = new ObjectStore();
    const labelled = (ns: string, name: string, rv: string, value = 'p') => deploy(ns, name, { rv, labels: { [LABEL]: value } });
    const key = indexKey(null, `${LABEL}=p`);
    store.upsert('Deployment', labelled('a', 'one', '1'));
    store.upsert('Deployment', labelled('a', 'one', '2')); // the same object again: still one entry
    expect(names(store.byIndex('Deployment', 'label', key))).toEqual(['a/one']);
    store.upsert('Deployment', labelled('a', 'two', '1'));
    store.upsert('Deployment', labelled('b', 'three', '1'));
    expect(names(store.byIndex('Deployment', 'label', key))).toEqual(['a/one', 'a/two', 'b/three']);
    expect(names(store.byIndex('Deployment', 'label', indexKey('a', `${LABEL}=p`)))).toEqual(['a/one', 'a/two']);
    store.remove('Deployment', labelled('a', 'one', '2'));
    expect(names(store.byIndex('Deployment', 'label', key))).toEqual(['a/two', 'b/three']);
    store.upsert('Deployment', labelled('a', 'two', '2', 'q')); // moves to another pipeline
    expect(names(store.byIndex('Deployment', 'label', key))).toEqual(['b/three']);
    expect(names(store.byIndex('Deployment', 'label', indexKey('a', `${LABEL}=p`)))).toEqual([]);
    expect(names(store.byIndex('Deployment', 'label', indexKey('a', `${LABEL}=q`)))).toEqual(['a/two']);
    store.remove('Deployment', labelled('b', 'three', '1'));
    expect(store.byIndex('Deployment', 'label', key)).toEqual([]);
    store.upsert('Deployment', labelled('b', 'four', '1'));
    store.upsert('Deployment', labelled('b', 'five', '1'));
    store.remove('Deployment', labelled('b', 'four', '1'));
    store.upsert('Deployment', labelled('b', 'six', '1'));
    expect(names(store.byIndex('Deployment', 'label', key))).toEqual(['b/five', 'b/six']);
  });

  it('keeps the other objects of a namespace when one leaves it', () => {
    const store = new ObjectStore();
    store.replace('Deployment', [deploy('a', 'one'), deploy('a', 'two'), deploy(undefined, 'global')]);
    store.remove('Deployment', deploy('a', 'one'));
    expect(names(store.list('Deployment', 'a'))).toEqual(['a/two']);
    store.remove('Deployment', deploy('a', 'two'));
    expect(store.list('Deployment', 'a')).toEqual([]);
    store.upsert('Deployment', deploy('a', 'three'));
    expect(names(store.list('Deployment', 'a'))).toEqual(['a/three']);
    expect(store.get('Deployment', null, 'global')?.metadata.name).toBe('global');
    expect(store.get('Deployment', 'a', 'global')).toBeUndefined();
    expect(objectKey(undefined, 'global')).toBe('/global');
  });

  it('indexes only the pipeline label, by its value, and only string values', () => {
    const object = deploy('a', 'x', { labels: { [LABEL]: 'p', app: 'web' } });
    expect(INDEXES.label(object)).toEqual([indexKey('a', `${LABEL}=p`), indexKey(null, `${LABEL}=p`)]);
    expect(INDEXES.label(deploy('a', 'x'))).toEqual([]);
    expect(INDEXES.label(deploy('a', 'x', { labels: { [LABEL]: 5 as unknown as string } }))).toEqual([]);
  });

  it('indexes an object under each Flux release that applied it, only when both owner labels are there', () => {
    const both = deploy('a', 'x', { labels: { [`${KS}/name`]: 'apps', [`${KS}/namespace`]: 'flux', [`${HR}/name`]: 'chart', [`${HR}/namespace`]: 'a' } });
    expect(INDEXES.owner(both)).toEqual([
      indexKey('a', ownerValue(KS, 'flux', 'apps')),
      indexKey(null, ownerValue(KS, 'flux', 'apps')),
      indexKey('a', ownerValue(HR, 'a', 'chart')),
      indexKey(null, ownerValue(HR, 'a', 'chart')),
    ]);
    expect(INDEXES.owner(deploy('a', 'x', { labels: { [`${KS}/name`]: 'apps' } }))).toEqual([]);
    expect(INDEXES.owner(deploy('a', 'x', { labels: { [`${KS}/namespace`]: 'flux' } }))).toEqual([]);
    expect(INDEXES.owner(deploy('a', 'x'))).toEqual([]);
    expect(ownerValue(KS, 'flux', 'apps')).not.toBe(ownerValue(HR, 'flux', 'apps'));
  });

  it('indexes a release under each string id of its inventory', () => {
    const release = deploy('flux', 'r', { status: { inventory: { entries: [{ id: 'a_web_apps_Deployment' }, null, { id: 5 }, {}] } } });
    expect(INDEXES.inventory(release)).toEqual([indexKey('flux', 'a_web_apps_Deployment'), indexKey(null, 'a_web_apps_Deployment')]);
    expect(INDEXES.inventory(deploy('flux', 'r', { status: { inventory: { entries: { id: 'x' } } } }))).toEqual([]);
    expect(INDEXES.inventory(deploy('flux', 'r', { status: {} }))).toEqual([]);
    expect(INDEXES.inventory(deploy('flux', 'r'))).toEqual([]);
  });

  it('keeps index keys of different namespaces and of all namespaces apart', () => {
    expect(new Set([indexKey('a', 'x'), indexKey(null, 'x'), indexKey('', 'x'), indexKey('a', 'y'), indexKey('ax', ''), indexKey('a', 'xx')]).size).toBe(6);
    expect(INDEXES.label(deploy(undefined, 'n', { labels: { [LABEL]: 'p' } }))).toEqual([indexKey('', `${LABEL}=p`), indexKey(null, `${LABEL}=p`)]);
  });
});

describe('ObjectStore health', () => {
  it('answers freshness from the kinds asked: the oldest sync, never-synced as null, stale kinds listed, direct kinds skipped', () => {
    const store = new ObjectStore(['Deployment', 'ConfigMap', 'Pipeline']);
    store.replace('Deployment', [], 3000);
    store.replace('ConfigMap', [], 1000);
    expect(store.freshness(['Deployment', 'ConfigMap'])).toEqual({ stale: false, lastSyncAt: 1000, staleKinds: [] });
    expect(store.freshness(['ConfigMap', 'Deployment'])).toEqual({ stale: false, lastSyncAt: 1000, staleKinds: [] });
    expect(store.freshness()).toEqual({ stale: false, lastSyncAt: null, staleKinds: [] });
    store.replace('Pipeline', [], 2000);
    expect(store.freshness()).toEqual({ stale: false, lastSyncAt: 1000, staleKinds: [] });
    store.setStatus('Pipeline', { stale: true });
    store.setStatus('Deployment', { stale: true });
    expect(store.freshness()).toEqual({ stale: true, lastSyncAt: 1000, staleKinds: ['Deployment', 'Pipeline'] });
    store.setStatus('ConfigMap', { direct: true, lastSyncAt: null });
    store.setStatus('Deployment', { direct: true });
    expect(store.freshness()).toEqual({ stale: true, lastSyncAt: 2000, staleKinds: ['Pipeline'] });
  });

  it('marks since when a kind is stale, keeps that time while it stays stale, and clears it when fresh', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(50_000);
    const store = new ObjectStore(['Deployment']);
    store.setStatus('Deployment', { stale: true });
    expect(store.status('Deployment').staleSince).toBe(50_000);
    vi.setSystemTime(60_000);
    store.setStatus('Deployment', { stale: true, error: new Error('x') });
    expect(store.status('Deployment').staleSince).toBe(50_000);
    store.setStatus('Deployment', { stale: false, staleSince: 1 });
    expect(store.status('Deployment').staleSince).toBeNull();
  });

  it('emits a health event only when staleness or the error changes', () => {
    const store = new ObjectStore(['Deployment']);
    const events: SourceEvent[] = [];
    store.subscribe((e) => events.push(e));
    const error = new Error('forbidden');
    store.setStatus('Deployment', { synced: true });
    store.setStatus('Deployment', { stale: true });
    store.setStatus('Deployment', { stale: true });
    store.setStatus('Deployment', { error });
    store.setStatus('Deployment', { error, lastSyncAt: 9 });
    store.setStatus('Deployment', { stale: false, error: null });
    expect(events).toEqual([
      { type: 'health', kind: 'Deployment', stale: true, error: null },
      { type: 'health', kind: 'Deployment', stale: true, error },
      { type: 'health', kind: 'Deployment', stale: false, error: null },
    ]);
  });

  it('counts objects, watch restarts and last sync per kind, a kind first met in a read included', () => {
    const store = new ObjectStore(['Deployment']);
    store.replace('Deployment', [deploy('a', 'one'), deploy('a', 'two')], 700);
    store.noteWatchRestart('Deployment');
    store.noteWatchRestart('Deployment');
    expect(store.list('ConfigMap', null)).toEqual([]);
    expect(store.kinds).toEqual(['Deployment', 'ConfigMap']);
    expect(store.stats()).toEqual({ objects: { Deployment: 2, ConfigMap: 0 }, watchRestarts: { Deployment: 2, ConfigMap: 0 }, lastSyncAt: { Deployment: 700, ConfigMap: null } });
    expect(store.count('Deployment')).toBe(2);
  });

  it('settles a wait at once for a kind synced, failed or read live, and otherwise when it becomes one of those', async () => {
    const store = new ObjectStore(['Deployment', 'ConfigMap', 'Pipeline', 'HelmRelease']);
    store.replace('Deployment', []);
    store.setStatus('ConfigMap', { error: new Error('no') });
    store.setStatus('Pipeline', { direct: true });
    await Promise.all([store.whenSettled('Deployment'), store.whenSettled('ConfigMap'), store.whenSettled('Pipeline')]);
    const order: string[] = [];
    const waiting = store.whenSettled('HelmRelease').then(() => order.push('settled'));
    store.setStatus('HelmRelease', { stale: true });
    await Promise.resolve();
    order.push('still waiting');
    store.setStatus('HelmRelease', { error: new Error('gone') });
    await waiting;
    expect(order).toEqual(['still waiting', 'settled']);
  });

  it('gives up a wait when its signal aborts, before or during it, with the signal\'s reason', async () => {
    const store = new ObjectStore(['Deployment']);
    const before = new AbortController();
    const reason = new Error('deadline');
    before.abort(reason);
    await expect(store.whenSettled('Deployment', before.signal)).rejects.toBe(reason);
    const during = new AbortController();
    const waiting = store.whenSettled('Deployment', during.signal);
    during.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(getEventListeners(during.signal, 'abort')).toHaveLength(0);
    const settled = new AbortController();
    const ok = store.whenSettled('Deployment', settled.signal);
    expect(getEventListeners(settled.signal, 'abort')).toHaveLength(1);
    store.replace('Deployment', []);
    await expect(ok).resolves.toBeUndefined();
    // Settled: its abort listener is gone, not left on a signal that may live on.
    expect(getEventListeners(settled.signal, 'abort')).toHaveLength(0);
  });
});

describe('StoreReader', () => {
  const synced = (objects: Record<string, KubeObject[]>) => {
    const store = new ObjectStore(['Deployment', 'Kustomization', 'HelmRelease']);
    for (const [kind, list] of Object.entries(objects)) store.replace(kind as 'Deployment', list);
    return store;
  };

  it('filters a list by a label selector', async () => {
    const store = synced({ Deployment: [deploy('a', 'web', { labels: { app: 'web', tier: 'front' } }), deploy('a', 'db', { labels: { app: 'db' } }), deploy('b', 'x')] });
    const reader = new StoreReader(store);
    expect(names(await reader.list('Deployment', 'a', { labelSelector: 'app=web' }))).toEqual(['a/web']);
    expect(names(await reader.list('Deployment', null, { labelSelector: '!tier' }))).toEqual(['a/db', 'b/x']);
    expect(names(await reader.list('Deployment', null, { labelSelector: '' }))).toEqual(['a/web', 'a/db', 'b/x']);
  });

  it('finds by Flux owner labels of either controller in the namespace asked, sorted', async () => {
    const owned = (ns: string, name: string, prefix: string) => deploy(ns, name, { labels: { [`${prefix}/name`]: 'r', [`${prefix}/namespace`]: 'flux' } });
    const store = synced({ Deployment: [owned('b', 'z', HR), owned('a', 'y', HR), owned('a', 'x', HR), owned('a', 'k', KS), deploy('a', 'plain')] });
    const reader = new StoreReader(store);
    const hr = { [`${HR}/name`]: 'r', [`${HR}/namespace`]: 'flux' };
    expect(names(await reader.listByLabels('Deployment', 'a', hr))).toEqual(['a/x', 'a/y']);
    expect(names(await reader.listByLabels('Deployment', null, hr))).toEqual(['a/x', 'a/y', 'b/z']);
    expect(names(await reader.listByLabels('Deployment', 'a', { [`${KS}/name`]: 'r', [`${KS}/namespace`]: 'flux' }))).toEqual(['a/k']);
    // One owner label alone is no index key: the namespace is listed and filtered.
    expect(names(await reader.listByLabels('Deployment', 'a', { [`${HR}/name`]: 'r' }))).toEqual(['a/x', 'a/y']);
    expect(names(await reader.listByLabels('Deployment', null, { [`${KS}/namespace`]: 'flux' }))).toEqual(['a/k']);
  });

  it('finds by the pipeline label in the namespace asked, and by any labels through the namespace, every label required', async () => {
    const store = synced({
      Kustomization: [
        deploy('b', 'r2', { labels: { [LABEL]: 'p' } }),
        deploy('a', 'r1', { labels: { [LABEL]: 'p', extra: 'yes' } }),
        deploy('a', 'r0', { labels: { [LABEL]: 'q', extra: 'yes' } }),
      ],
    });
    const reader = new StoreReader(store);
    expect(names(await reader.listByLabels('Kustomization', 'a', { [LABEL]: 'p' }))).toEqual(['a/r1']);
    expect(names(await reader.listByLabels('Kustomization', null, { [LABEL]: 'p' }))).toEqual(['a/r1', 'b/r2']);
    expect(names(await reader.listByLabels('Kustomization', null, { [LABEL]: 'p', extra: 'yes' }))).toEqual(['a/r1']);
    expect(names(await reader.listByLabels('Kustomization', 'a', { extra: 'yes' }))).toEqual(['a/r0', 'a/r1']);
    expect(names(await reader.listByLabels('Kustomization', 'a', {}))).toEqual(['a/r0', 'a/r1']);
  });

  it('finds releases by inventory entry, sorted', async () => {
    const entry = 'a_web_apps_Deployment';
    const inv = (ns: string, name: string, entries: unknown[] = [{ id: entry }]): KubeObject => ({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name, namespace: ns },
      status: { inventory: { entries } },
    });
    const reader = new StoreReader(synced({ Kustomization: [inv('flux', 'z'), inv('apps', 'b'), inv('flux', 'a'), inv('flux', 'none', [])] }));
    expect(names(await reader.listByInventoryEntry('Kustomization', null, entry))).toEqual(['apps/b', 'flux/a', 'flux/z']);
    expect(names(await reader.listByInventoryEntry('Kustomization', 'flux', entry))).toEqual(['flux/a', 'flux/z']);
    expect(await reader.listByInventoryEntry('Kustomization', 'flux', 'other')).toEqual([]);
  });

  it('serves a kind synced before its feed failed from the store, and fails one never synced with the feed\'s error', async () => {
    const store = synced({ Deployment: [deploy('a', 'web')] });
    const forbidden = new PipelineApiError('FORBIDDEN', 'Not allowed to list deployments.apps across all namespaces.', { kind: 'Deployment' });
    store.setStatus('Deployment', { error: forbidden, stale: true });
    const reader = new StoreReader(store);
    expect(names(await reader.list('Deployment', null))).toEqual(['a/web']);
    store.setStatus('HelmRelease', { error: forbidden });
    for (const read of [reader.list('HelmRelease', null), reader.get('HelmRelease', 'a', 'x'), reader.listByLabels('HelmRelease', 'a', {}), reader.listByInventoryEntry('HelmRelease', 'a', 'e')]) {
      await expect(read).rejects.toBe(forbidden);
    }
  });

  it('refuses at once a read whose signal has already aborted, even of a synced kind', async () => {
    const reader = new StoreReader(synced({ Deployment: [] }));
    const controller = new AbortController();
    const reason = new Error('client went away');
    controller.abort(reason);
    await expect(reader.list('Deployment', null, { signal: controller.signal })).rejects.toBe(reason);
    await expect(reader.get('Deployment', 'a', 'x', { signal: controller.signal })).rejects.toBe(reason);
  });

  it('waits for a kind not yet synced, the reads of one request sharing one wait', async () => {
    const store = new ObjectStore(['Deployment']);
    const reader = new StoreReader(store);
    const signal = new AbortController().signal;
    const reads = Promise.all([reader.list('Deployment', 'a', { signal }), reader.get('Deployment', 'a', 'web', { signal }), reader.list('Deployment', null)]);
    store.replace('Deployment', [deploy('a', 'web')]);
    const [list, one, all] = await reads;
    expect(names(list)).toEqual(['a/web']);
    expect(one?.metadata.name).toBe('web');
    expect(names(all)).toEqual(['a/web']);
  });

  it('reads a direct kind live from the source, with the request\'s options, filtering lookups itself', async () => {
    const store = new ObjectStore(['Kustomization']);
    store.setStatus('Kustomization', { direct: true });
    const entry = 'a_web_apps_Deployment';
    const live = [
      deploy('b', 'y', { labels: { [LABEL]: 'p' } }),
      deploy('a', 'x', { labels: { [LABEL]: 'p' }, status: { inventory: { entries: [{ id: entry }, null] } } }),
      deploy('a', 'w', { status: { inventory: { entries: 'broken' } } }),
      deploy('a', 'v'),
      deploy('a', 'u', { status: {} }),
      deploy('a', 't', { status: { inventory: { entries: [null, { id: 'a_other_apps_Deployment' }] } } }),
    ];
    const calls: unknown[][] = [];
    const reader = new StoreReader(store, async (kind, namespace, options) => {
      calls.push([kind, namespace, options]);
      return live;
    });
    const signal = new AbortController().signal;
    expect(await reader.list('Kustomization', 'a', { signal, labelSelector: 'x=y' })).toBe(live);
    expect((await reader.get('Kustomization', 'a', 'x', { signal }))?.metadata.name).toBe('x');
    expect(await reader.get('Kustomization', 'a', 'nope', { signal })).toBeNull();
    expect(names(await reader.listByLabels('Kustomization', null, { [LABEL]: 'p' }, { signal }))).toEqual(['a/x', 'b/y']);
    expect(names(await reader.listByInventoryEntry('Kustomization', 'a', entry, { signal }))).toEqual(['a/x']);
    expect(calls).toEqual([
      ['Kustomization', 'a', { signal, labelSelector: 'x=y' }],
      ['Kustomization', 'a', { signal }],
      ['Kustomization', 'a', { signal }],
      ['Kustomization', null, { signal }],
      ['Kustomization', 'a', { signal }],
    ]);
    // Without a live reader, a direct kind is served from what the store holds.
    expect(await new StoreReader(store).list('Kustomization', null)).toEqual([]);
  });

  it('answers freshness from the store', () => {
    const store = new ObjectStore(['Deployment']);
    store.replace('Deployment', [], 42);
    store.setStatus('Deployment', { stale: true });
    expect(new StoreReader(store).freshness(['Deployment'])).toEqual({ stale: true, lastSyncAt: 42, staleKinds: ['Deployment'] });
  });
});

describe('ReadRecorder', () => {
  const change = (object: KubeObject, previous?: KubeObject) => ({ kind: 'Deployment' as const, type: 'MODIFIED' as const, object, ...(previous ? { previous } : {}) });

  it('says which changes touch a list, in one namespace or all', async () => {
    const recorder = new ReadRecorder();
    const reader = recorder.wrap({ list: async () => [] });
    await reader.list('Deployment', 'a');
    expect(recorder.concerns(change(deploy('a', 'any')))).toBe(true);
    expect(recorder.concerns(change(deploy('b', 'any')))).toBe(false);
    expect(recorder.concerns(change(deploy('b', 'any'), deploy('a', 'any')))).toBe(true);
    expect(recorder.concerns({ kind: 'ConfigMap', type: 'ADDED', object: deploy('a', 'x') })).toBe(false);
    const all = new ReadRecorder();
    await all.wrap({ list: async () => [] }).list('Deployment', null);
    expect(all.concerns(change(deploy(undefined, 'cluster-scoped')))).toBe(true);
    const none = new ReadRecorder();
    await none.wrap({ list: async () => [] }).list('Deployment', '');
    expect(none.concerns(change(deploy(undefined, 'cluster-scoped')))).toBe(true);
    expect(none.concerns(change(deploy('a', 'x')))).toBe(false);
  });

  it('says which changes touch a get, a label lookup and an inventory lookup', async () => {
    const recorder = new ReadRecorder();
    const reader = recorder.wrap({ list: async () => [] });
    await reader.get!('Deployment', 'a', 'web');
    expect(recorder.concerns(change(deploy('a', 'web')))).toBe(true);
    expect(recorder.concerns(change(deploy('a', 'api')))).toBe(false);

    const labels = new ReadRecorder();
    await labels.wrap({ list: async () => [] }).listByLabels!('Deployment', null, { app: 'web', tier: 'front' });
    expect(labels.concerns(change(deploy('z', 'x', { labels: { app: 'web', tier: 'front' } })))).toBe(true);
    expect(labels.concerns(change(deploy('z', 'x', { labels: { app: 'web' } })))).toBe(false);
    expect(labels.concerns(change(deploy('z', 'x')))).toBe(false);

    const inventory = new ReadRecorder();
    await inventory.wrap({ list: async () => [] }).listByInventoryEntry!('Deployment', 'flux', 'e1');
    expect(inventory.concerns(change(deploy('flux', 'r', { status: { inventory: { entries: [null, { id: 'e1' }] } } })))).toBe(true);
    expect(inventory.concerns(change(deploy('flux', 'r', { status: { inventory: { entries: [{ id: 'e2' }] } } })))).toBe(false);
    expect(inventory.concerns(change(deploy('flux', 'r', { status: { inventory: { entries: { id: 'e1' } } } })))).toBe(false);
    expect(inventory.concerns(change(deploy('flux', 'r')))).toBe(false);
    expect([...inventory.kinds()]).toEqual(['Deployment']);
  });

  it('passes reads to the inner reader, with their options, when it has the lookups', async () => {
    const signal = new AbortController().signal;
    const calls: unknown[][] = [];
    const found = deploy('a', 'x');
    const inner: ClusterReader = {
      list: async (...args) => (calls.push(['list', ...args]), [found]),
      get: async (...args) => (calls.push(['get', ...args]), found),
      listByLabels: async (...args) => (calls.push(['labels', ...args]), [found]),
      listByInventoryEntry: async (...args) => (calls.push(['inventory', ...args]), [found]),
      freshness: (kinds) => ({ stale: true, lastSyncAt: kinds?.length ?? -1, staleKinds: [] }),
    };
    const reader = new ReadRecorder().wrap(inner);
    expect(await reader.list('Deployment', 'a', { signal })).toEqual([found]);
    expect(await reader.get!('Deployment', 'a', 'x', { signal })).toBe(found);
    expect(await reader.listByLabels!('Deployment', 'a', { k: 'v' }, { signal })).toEqual([found]);
    expect(await reader.listByInventoryEntry!('Deployment', 'a', 'e', { signal })).toEqual([found]);
    expect(reader.freshness!(['Deployment'])).toEqual({ stale: true, lastSyncAt: 1, staleKinds: [] });
    expect(calls).toEqual([
      ['list', 'Deployment', 'a', { signal }],
      ['get', 'Deployment', 'a', 'x', { signal }],
      ['labels', 'Deployment', 'a', { k: 'v' }, { signal }],
      ['inventory', 'Deployment', 'a', 'e', { signal }],
    ]);
  });

  it('lists and filters, with the request\'s signal, when the inner reader only lists', async () => {
    const signal = new AbortController().signal;
    const signals: unknown[] = [];
    const objects = [
      deploy('a', 'x', { labels: { k: 'v' }, status: { inventory: { entries: [{ id: 'e' }] } } }),
      deploy('a', 'y', { labels: { k: 'w' } }),
    ];
    const reader = new ReadRecorder().wrap({
      list: async (_kind, _ns, options) => {
        signals.push(options?.signal);
        return objects;
      },
    });
    expect((await reader.get!('Deployment', 'a', 'y', { signal }))?.metadata.name).toBe('y');
    expect(await reader.get!('Deployment', 'a', 'z', { signal })).toBeNull();
    expect(names(await reader.listByLabels!('Deployment', 'a', { k: 'v' }, { signal }))).toEqual(['a/x']);
    expect(names(await reader.listByInventoryEntry!('Deployment', 'a', 'e', { signal }))).toEqual(['a/x']);
    expect(signals).toEqual([signal, signal, signal, signal]);
    expect(reader.freshness!()).toEqual({ stale: false, lastSyncAt: null, staleKinds: [] });
  });
});
