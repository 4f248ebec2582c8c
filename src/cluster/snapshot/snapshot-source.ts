import { watch, type FSWatcher, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, relative } from 'node:path';
import type { KubeObject } from '../kube-object.js';
import type { ClusterReader, ClusterSource, Readiness, SourceEvent, StoreStats } from '../reader.js';
import { RESOURCE_KINDS, resourceKindOf, type ResourceKind } from '../resources.js';
import { ObjectStore } from '../store/object-store.js';
import { projectObject } from '../store/projection.js';
import { StoreReader } from '../store/store-reader.js';
import { parseSnapshotFile, SnapshotError, yamlFilesUnder } from './load-snapshot.js';
import { parseFilesInWorkers, workersAvailable } from './parse-pool.js';

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

/** Below this many bytes of changed files, starting threads costs more than it saves. */
const PARALLEL_PARSE_BYTES = 16 * 1024 * 1024;

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
  /** The pending reload; undefined when none (clearTimeout(undefined) does nothing). */
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  /** Set by stop(): no reload reads the files after it (one may already be queued). */
  private stopped = false;
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
    // Watching starts before the first read: a file edited while the files are read (after
    // its own read) is then read again, instead of missed until its next edit. A path that
    // cannot be read is left to the read below, whose error names it and what is wrong.
    const info = options.watch ? await stat(path).catch(() => undefined) : undefined;
    if (info) source.watchFiles(info);
    const first = source.readFiles();
    // A reload an edit schedules meanwhile waits for the first read to end.
    source.reloading = first.catch(() => undefined);
    try {
      await first;
      // The first read replaced every kind as fresh: a watch that failed meanwhile still holds.
      if (source.lastError) source.markStale(source.lastError);
      // Read, though it could not be looked at a moment before: watch it now, or fail as that did.
      if (options.watch && !info) source.watchFiles(await stat(path));
    } catch (error) {
      await source.stop();
      throw error;
    }
    return source;
  }

  /** Reads what changed on disk (all files the first time), then replaces the store's kinds. */
  private async readFiles(): Promise<void> {
    const files = await yamlFilesUnder(this.path);
    if (files.length === 0) throw new SnapshotError(this.path, null, 'holds no .yaml or .yml files');
    const next = new Map<string, FileState>();
    const changed: { file: string; shown: string; mtimeMs: number; size: number }[] = [];
    for (const file of files) {
      // A file gone since the listing has no info; parsing it below then names it.
      // Stryker disable next-line ArrowFunction: equivalent, undefined and null both read as "no info" below
      const info = await stat(file).catch(() => null);
      const known = this.files.get(file);
      // An unchanged file (same modification time and size) keeps its objects. Re-reading it
      // would give equal objects, which the store takes as no change: only the cost differs.
      if (info && known && known.mtimeMs === info.mtimeMs && known.size === info.size) {
        next.set(file, known);
        continue;
      }
      // Stryker disable next-line LogicalOperator: equivalent, a time or size of 0 only makes the next reload read the file again
      changed.push({ file, shown: relative(process.cwd(), file) || file, mtimeMs: info?.mtimeMs ?? 0, size: info?.size ?? 0 });
    }
    // Which parser reads the files (threads or this one) changes the cost, not the objects:
    // test/parse-pool.test.ts checks that the threads give what parseSnapshotFile gives.
    // Stryker disable next-line ArrowFunction,ArithmeticOperator: equivalent, as just said
    const bytes = changed.reduce((sum, f) => sum + f.size, 0);
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: equivalent, as just said
    if (changed.length > 1 && bytes >= PARALLEL_PARSE_BYTES && workersAvailable()) {
      const parsed = await parseFilesInWorkers(changed);
      changed.forEach(({ file, mtimeMs, size }, i) => next.set(file, { mtimeMs, size, objects: parsed[i]! }));
    } else {
      for (const { file, shown, mtimeMs, size } of changed) {
        next.set(file, { mtimeMs, size, objects: await parseSnapshotFile(file, shown, { project: storedForm }) });
      }
    }
    this.files.clear();
    for (const [file, state] of next) this.files.set(file, state);
    // Stryker disable next-line BooleanLiteral: equivalent, projecting a projected object again gives the same object
    fillStore(this.store, [...next.values()].flatMap((f) => f.objects), true);
  }

  private watchFiles(info: Stats): void {
    // A single file is watched through its folder: editors often replace a file rather than write it.
    const target = info.isDirectory() ? this.path : dirname(this.path);
    const only = info.isDirectory() ? null : basename(this.path);
    // Not persistent: watching alone does not keep the process running.
    this.watcher = watch(target, { recursive: info.isDirectory(), persistent: false }, (_event, filename) => {
      // Other files in a single file's folder are not read. Reloading for them would find the
      // file unchanged (same time and size) and change nothing: this only saves the work.
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, as just said
      if (only !== null && filename !== null && basename(String(filename)) !== only) return;
      this.scheduleReload();
    });
    this.watcher.on('error', () => this.markStale(new Error(`cannot watch ${this.path} any more`)));
  }

  private scheduleReload(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A reload chained behind a first read that fails (the source is being stopped) reads nothing.
      this.reloading = this.reloading.then(() => (this.stopped ? undefined : this.reload()));
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

  generation(): number | null {
    return this.store.generation();
  }

  storeStats(): StoreStats {
    return this.store.stats();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = null;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.reloading;
  }
}
