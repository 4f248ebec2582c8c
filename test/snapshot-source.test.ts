// A snapshot served from the store (src/cluster/snapshot/snapshot-source.ts): what /readyz
// says about it, every kind synced from one complete read (kinds it does not hold empty, not
// missing), objects of kinds the service never reads left out, and a watched single file
// that breaks and is fixed again. Waits poll with a generous ceiling, never a fixed sleep.
import { existsSync, type FSWatcher } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { RESOURCE_KINDS } from '../src/cluster/resources.js';
import { ObjectStore } from '../src/cluster/store/object-store.js';
import { fillStore, SnapshotReader, SnapshotSource } from '../src/cluster/snapshot/snapshot-source.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'snapshot-source-'));
  dirs.push(dir);
  return dir;
}

const cm = (ns: string, name: string, v = '1') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels: {v: "${v}"}\n`;
const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: a\n';

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * Runs `around` in place of each read of the files (SnapshotSource's private readFiles), with
 * the real read to call: to act while a read is under way. Undone when the test ends.
 */
function hookReads(around: (source: SnapshotSource, read: () => Promise<void>) => Promise<void>): void {
  const proto = SnapshotSource.prototype as unknown as { readFiles(this: SnapshotSource): Promise<void> };
  const original = proto.readFiles;
  const spy = vi.spyOn(proto, 'readFiles').mockImplementation(async function (this: SnapshotSource) {
    await around(this, () => original.call(this));
  });
  onTestFinished(() => spy.mockRestore());
}

/** A watched source, stopped when the test ends. */
async function watched(path: string, description: string): Promise<SnapshotSource> {
  const source = await SnapshotSource.load(path, description, { watch: true });
  onTestFinished(() => source.stop());
  return source;
}

/** The `v` label of the first ConfigMap a source serves in a namespace. */
const labelV = async (source: SnapshotSource, namespace = 'a') => (await source.readerFor().list('ConfigMap', namespace))[0]?.metadata.labels?.v;

describe('SnapshotSource', () => {
  it('serves a file it does not watch, every kind synced, kinds the service never reads left out', async () => {
    const dir = await tempDir();
    const file = join(dir, 'one.yaml');
    await writeFile(file, `${cm('a', 'x')}---\n${service}`);
    const source = await SnapshotSource.load(file, 'snapshot one.yaml');
    try {
      expect(source.description).toBe('snapshot one.yaml');
      expect(await source.checkReady()).toEqual({ ready: true, message: 'serving snapshot one.yaml' });
      expect(source.lastError).toBeNull();
      const reader = source.readerFor();
      expect((await reader.list('ConfigMap', null)).map((o) => o.metadata.name)).toEqual(['x']);
      const stats = source.storeStats();
      expect(Object.keys(stats.objects).sort()).toEqual([...RESOURCE_KINDS].sort());
      expect(Object.values(stats.objects).reduce((a, b) => a + b, 0)).toBe(1);
      for (const kind of RESOURCE_KINDS) expect(source.store.status(kind).synced).toBe(true);
      expect(reader.freshness!()).toMatchObject({ stale: false, staleKinds: [] });
      expect(reader.freshness!().lastSyncAt).toEqual(expect.any(Number));
      expect(source.generation()).toBe(source.store.generation());
      const events: string[] = [];
      const stop = source.subscribe((e) => events.push(e.type));
      source.store.upsert('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y', namespace: 'a' } });
      stop();
      source.store.upsert('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'z', namespace: 'a' } });
      expect(events).toEqual(['change']);
    } finally {
      await source.stop();
    }
  });

  it('keeps the last good state of a watched file that breaks, says why on /readyz, and recovers when it is fixed', async () => {
    const dir = await tempDir();
    const file = join(dir, 'watched.yaml');
    await writeFile(file, cm('a', 'x', '1'));
    const source = await SnapshotSource.load(file, 'snapshot watched.yaml', { watch: true });
    const reader = source.readerFor();
    const version = () => labelV(source);
    try {
      await writeFile(file, cm('a', 'x', '2'));
      await until(async () => (await version()) === '2', 'the edit');

      await writeFile(file, 'kind: [broken');
      await until(() => source.lastError !== null, 'the broken file');
      const shown = relative(process.cwd(), file) || file;
      expect(source.lastError!.message).toMatch(new RegExp(`^${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: invalid YAML: `));
      expect(await source.checkReady()).toEqual({ ready: true, message: `serving the last good state of snapshot watched.yaml: ${source.lastError!.message}` });
      expect(reader.freshness!().stale).toBe(true);
      expect(reader.freshness!().staleKinds).toEqual([...RESOURCE_KINDS]);
      expect(await version()).toBe('2');

      await writeFile(file, cm('a', 'x', '3'));
      await until(async () => source.lastError === null && (await version()) === '3', 'the fix');
      expect(await source.checkReady()).toEqual({ ready: true, message: 'serving snapshot watched.yaml' });
      expect(reader.freshness!().stale).toBe(false);
    } finally {
      await source.stop();
    }
  });

  it('applies edits only when asked to watch, and none after stop()', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a.yaml');
    await writeFile(file, cm('a', 'x', '1'));
    const unwatched = await SnapshotSource.load(dir, 'unwatched');
    const stopped = await SnapshotSource.load(dir, 'stopped', { watch: true });
    await stopped.stop();
    // A watching source beside them shows when an edit has been seen and read.
    const control = await SnapshotSource.load(dir, 'control', { watch: true });
    try {
      await writeFile(file, cm('a', 'x', '2'));
      await until(async () => (await labelV(control)) === '2', 'the control source to apply the edit');
      // A second edit, written after the first was applied: once the control shows it, any
      // other watcher would have applied the first edit long ago.
      await writeFile(file, cm('a', 'x', '3'));
      await until(async () => (await labelV(control)) === '3', 'the control source to apply the second edit');
      expect(await labelV(unwatched)).toBe('1');
      expect(await labelV(stopped)).toBe('1');
    } finally {
      await Promise.all([unwatched.stop(), control.stop()]);
    }
  });

  it('reads a file again when its size changed, even with the same modification time', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a.yaml');
    const when = new Date('2026-01-01T00:00:00Z');
    await writeFile(file, cm('a', 'x', '1'));
    await utimes(file, when, when);
    const source = await SnapshotSource.load(dir, 'sized', { watch: true });
    try {
      await writeFile(file, cm('a', 'x', '22'));
      await utimes(file, when, when);
      await until(async () => (await labelV(source)) === '22', 'the edit of the same time');
    } finally {
      await source.stop();
    }
  });

  it('watches the files of subdirectories too', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'team', 'dev'), { recursive: true });
    const file = join(dir, 'team', 'dev', 'a.yaml');
    await writeFile(file, cm('a', 'x', '1'));
    const source = await SnapshotSource.load(dir, 'tree', { watch: true });
    try {
      await writeFile(file, cm('a', 'x', '2'));
      await until(async () => (await labelV(source)) === '2', 'the edit in a subdirectory');
    } finally {
      await source.stop();
    }
  });

  it('keeps what is never read out of the store: HelmRelease values, container env, other ConfigMap keys', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'secrets.yaml'),
      [
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: a\nspec:\n  chart:\n    spec:\n      chart: app\n  values:\n    password: canary-values\n',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: a\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          env:\n            - name: TOKEN\n              value: canary-env\n',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: a\ndata:\n  password: canary-data\n',
      ].join('---\n'),
    );
    const source = await SnapshotSource.load(dir, 'secrets');
    try {
      const reader = source.readerFor();
      const held = await Promise.all((['HelmRelease', 'Deployment', 'ConfigMap'] as const).map((kind) => reader.list(kind, 'a')));
      expect(held.map((objects) => objects.length)).toEqual([1, 1, 1]);
      expect(JSON.stringify(held)).not.toMatch(/canary/);
    } finally {
      await source.stop();
    }
  });

  it('serves the last good state, marked stale, once its folder cannot be watched any more', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), cm('a', 'x', '1'));
    const source = await SnapshotSource.load(dir, 'failing watch', { watch: true });
    try {
      // What the operating system reports, e.g. when the watch limit is reached.
      (source as unknown as { watcher: FSWatcher }).watcher.emit('error', new Error('ENOSPC'));
      expect(source.lastError?.message).toBe(`cannot watch ${dir} any more`);
      expect(source.readerFor().freshness!().stale).toBe(true);
      expect(await source.checkReady()).toEqual({ ready: true, message: `serving the last good state of failing watch: cannot watch ${dir} any more` });
      expect(await labelV(source)).toBe('1');
    } finally {
      await source.stop();
    }
  });

  it('reads again a file edited while the first read was under way, after that file was read', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a.yaml');
    await writeFile(file, cm('a', 'x', '1'));
    let edited = false;
    hookReads(async (_source, read) => {
      await read();
      // The edit lands once the file has been read, before the load ends.
      if (!edited) {
        edited = true;
        await writeFile(file, cm('a', 'x', '2'));
      }
    });
    const source = await watched(dir, 'edited while read');
    await until(async () => (await labelV(source)) === '2', 'the edit made during the first read');
  });

  it('reports a watched path that does not exist by the read, naming it', async () => {
    const dir = await tempDir();
    await expect(SnapshotSource.load(join(dir, 'absent'), 'absent', { watch: true })).rejects.toThrow(`${join(dir, 'absent')}: no such file or directory`);
  });

  it('watches a path that appeared while it was first read, though it was not there a moment before', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'late');
    const file = join(dir, 'a.yaml');
    hookReads(async (_source, read) => {
      await mkdir(dir, { recursive: true });
      if (!existsSync(file)) await writeFile(file, cm('a', 'x', '1'));
      await read();
    });
    const source = await watched(dir, 'late');
    expect(await labelV(source)).toBe('1');
    await writeFile(file, cm('a', 'x', '2'));
    await until(async () => (await labelV(source)) === '2', 'the edit of a path that appeared during the first read');
  });

  it('reads nothing more once its first read has failed, not even an edit made during that read', async () => {
    const dir = await tempDir();
    const good = join(dir, 'a.yaml');
    const broken = join(dir, 'b.yaml');
    await writeFile(good, cm('a', 'x', '1'));
    // A watching source beside it shows when an edit has been seen and read.
    const control = await watched(dir, 'control');
    const reads = new Map<SnapshotSource, number>();
    hookReads(async (source, read) => {
      reads.set(source, (reads.get(source) ?? 0) + 1);
      if (source !== control && reads.get(source) === 1) {
        // An edit during the first read: once the control has read it, this source's own
        // reload is due too, behind the read still under way.
        await writeFile(good, cm('a', 'x', '2'));
        await until(async () => (await labelV(control)) === '2', 'the control to read the edit');
        await writeFile(broken, 'kind: [');
      }
      await read();
    });
    // The file as shown relative to the working directory, wherever that is.
    await expect(SnapshotSource.load(dir, 'failing', { watch: true })).rejects.toThrow(/b\.yaml:1: invalid YAML/);
    const failing = [...reads.keys()].find((s) => s !== control)!;
    // Another edit, with the folder readable again: once the control shows it, a watcher
    // still running would have read it too.
    await rm(broken);
    await writeFile(good, cm('a', 'x', '3'));
    await until(async () => (await labelV(control)) === '3', 'the control to read the second edit');
    expect(reads.get(failing)).toBe(1);
  });

  it('stays stale after its first read when the folder could not be watched during it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), cm('a', 'x', '1'));
    hookReads(async (source, read) => {
      (source as unknown as { watcher: FSWatcher }).watcher.emit('error', new Error('ENOSPC'));
      await read();
    });
    const source = await watched(dir, 'failing watch');
    expect(source.readerFor().freshness!().stale).toBe(true);
    expect(await source.checkReady()).toEqual({ ready: true, message: `serving the last good state of failing watch: cannot watch ${dir} any more` });
    expect(await labelV(source)).toBe('1');
  });

  it('refuses a directory without YAML files, naming it', async () => {
    const dir = await tempDir();
    await expect(SnapshotSource.load(dir, 'empty')).rejects.toThrow(`${dir}: holds no .yaml or .yml files`);
  });
});

describe('fillStore and SnapshotReader', () => {
  it('replaces every kind whole, emptying the kinds the objects do not have', () => {
    const store = new ObjectStore();
    store.upsert('Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'old', namespace: 'a' } });
    fillStore(store, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'a' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'a' } },
      { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', metadata: { name: 'not-flux', namespace: 'a' } },
    ]);
    expect(store.count('Deployment')).toBe(0);
    expect(store.count('ConfigMap')).toBe(1);
    expect(store.count('Kustomization')).toBe(0);
    for (const kind of RESOURCE_KINDS) expect(store.status(kind).synced).toBe(true);
  });

  it('projects what it is given unless told it already is', async () => {
    const secret = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'a' }, data: { pipelines: 'p', password: 'hunter2' } };
    expect(JSON.stringify(await new SnapshotReader([secret]).list('ConfigMap', null))).not.toContain('hunter2');
    const store = new ObjectStore();
    fillStore(store, [secret], true);
    expect(store.get('ConfigMap', 'a', 'x')).toBe(secret);
  });
});
