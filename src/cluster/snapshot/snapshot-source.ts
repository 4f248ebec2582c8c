import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, relative } from 'node:path';
import type { KubeObject } from '../kube-object.js';
import type { ClusterReader, ClusterSource, Readiness, SourceEvent, StoreStats } from '../reader.js';
import { RESOURCE_KINDS, resourceKindOf, type ResourceKind } from '../resources.js';
import { ObjectStore } from '../store/object-store.js';
import { projectObject } from '../store/projection.js';
import { StoreReader } from '../store/store-reader.js';
import { parseSnapshotFile, SnapshotError, yamlFilesUnder } from './load-snapshot.js';

/** Fills a store with a complete set of objects: each kind replaced whole (absent kinds emptied). */
export function fillStore(store: ObjectStore, objects: Iterable<KubeObject>, projected = false): void {
  const byKind = new Map<ResourceKind, KubeObject[]>(RESOURCE_KINDS.map((k) => [k, []]));
  for (const object of objects) {
    const kind = resourceKindOf(object.apiVersion, object.kind);
    if (!kind) continue; // Namespaces, Services, sources: present in a snapshot, never read.
    byKind.get(kind)!.push(object);
  }
  for (const [kind, list] of byKind) store.replace(kind, list, Date.now(), projected);
}

/** Reads a fixed set of objects through a store of their own (tests build fakes from it). */
export class SnapshotReader extends StoreReader {
  constructor(objects: readonly KubeObject[]) {
    const store = new ObjectStore();
    fillStore(store, objects);
    super(store);
  }
}

/**
 * A projected object with strings of its own. Strings a YAML parser returns are slices of
 * the text it parsed, and a slice keeps the whole text alive: the objects of a 200 MB file
 * would hold on to the file. A JSON round trip copies what is kept and lets the text go.
 */
const storedForm = (object: KubeObject): KubeObject => JSON.parse(JSON.stringify(projectObject(object))) as KubeObject;

/** Edits closer together than this are read once (editors write a file in several steps). */
const RELOAD_DELAY_MS = 100;

interface FileState {
  mtimeMs: number;
  size: number;
  objects: KubeObject[];
}

/**
 * A snapshot (the demo, a file, a directory) served from the shared store. A file or
 * directory source watches its files: an edit is read again and applied as the watch events
 * that lead from the old objects to the new ones, so live updates work without a cluster.
 * A file that is broken mid-edit keeps the last good state, marked stale, until it is fixed.
 */
export class SnapshotSource implements ClusterSource {
  private readonly reader: StoreReader;
  private readonly files = new Map<string, FileState>();
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> = Promise.resolve();
  /** Why the last reload failed, if it did (the store then serves the last good state). */
  lastError: Error | null = null;

  private constructor(
    readonly description: string,
    readonly store: ObjectStore,
    private readonly path: string,
  ) {
    this.reader = new StoreReader(store);
  }

  static async load(path: string, description: string, options: { watch?: boolean } = {}): Promise<SnapshotSource> {
    const source = new SnapshotSource(description, new ObjectStore(), path);
    await source.readFiles();
    if (options.watch) await source.startWatching();
    return source;
  }

  /** Reads what changed on disk (all files the first time), then replaces the store's kinds. */
  private async readFiles(): Promise<void> {
    const files = await yamlFilesUnder(this.path);
    if (files.length === 0) throw new SnapshotError(this.path, null, 'holds no .yaml or .yml files');
    const next = new Map<string, FileState>();
    for (const file of files) {
      const info = await stat(file).catch(() => null);
      const known = this.files.get(file);
      if (info && known && known.mtimeMs === info.mtimeMs && known.size === info.size) {
        next.set(file, known);
        continue;
      }
      const shown = relative(process.cwd(), file) || file;
      const objects = await parseSnapshotFile(file, shown, { project: storedForm });
      next.set(file, { mtimeMs: info?.mtimeMs ?? 0, size: info?.size ?? 0, objects });
    }
    this.files.clear();
    for (const [file, state] of next) this.files.set(file, state);
    fillStore(this.store, [...next.values()].flatMap((f) => f.objects), true);
  }

  private async startWatching(): Promise<void> {
    const info = await stat(this.path);
    // A single file is watched through its folder: editors often replace a file rather than write it.
    const target = info.isDirectory() ? this.path : dirname(this.path);
    const only = info.isDirectory() ? null : basename(this.path);
    this.watcher = watch(target, { recursive: info.isDirectory(), persistent: false }, (_event, filename) => {
      if (only !== null && filename !== null && basename(String(filename)) !== only) return;
      this.scheduleReload();
    });
    this.watcher.on('error', () => this.markStale(new Error(`cannot watch ${this.path} any more`)));
  }

  private scheduleReload(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reloading = this.reloading.then(() => this.reload());
    }, RELOAD_DELAY_MS);
    this.timer.unref();
  }

  private async reload(): Promise<void> {
    try {
      await this.readFiles();
      this.lastError = null;
    } catch (error) {
      this.markStale(error as Error);
    }
  }

  private markStale(error: Error): void {
    this.lastError = error;
    for (const kind of RESOURCE_KINDS) this.store.setStatus(kind, { stale: true });
  }

  /** Resolves once edits seen so far have been applied (tests wait on it). */
  async settled(): Promise<void> {
    while (this.timer) await new Promise((r) => setTimeout(r, RELOAD_DELAY_MS));
    await this.reloading;
  }

  readerFor(): ClusterReader {
    return this.reader;
  }

  async checkReady(): Promise<Readiness> {
    if (this.lastError) return { ready: true, message: `serving the last good state of ${this.description}: ${this.lastError.message}` };
    return { ready: true, message: `serving ${this.description}` };
  }

  subscribe(listener: (event: SourceEvent) => void): () => void {
    return this.store.subscribe(listener);
  }

  storeStats(): StoreStats {
    return this.store.stats();
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.reloading;
  }
}
