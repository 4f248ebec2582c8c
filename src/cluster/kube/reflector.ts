import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException } from '@kubernetes/client-node';
import type { KubeObject } from '../kube-object.js';
import { collectionPath, type ResourceDescriptor } from '../resources.js';
import type { ObjectStore } from '../store/object-store.js';
import { projectObject } from '../store/projection.js';
import { toPipelineApiError } from './kube-errors.js';
import type { KubeHttp, WatchEvent } from './kube-http.js';
import { retryingWhenAsked } from './retry-after.js';

export interface ReflectorTiming {
  /** First and largest wait between failed attempts; each failure doubles it, with jitter. */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** How often a kind whose CRD is missing, or that may not be listed cluster-wide, is tried again. */
  retryMissingMs: number;
  /** Page size of lists: a large cluster is read in bounded pieces. */
  pageSize: number;
}

export const DEFAULT_TIMING: ReflectorTiming = { backoffMinMs: 500, backoffMaxMs: 30_000, retryMissingMs: 5_000, pageSize: 500 };

/** The API server no longer has the history a watch asked for: list again. */
class Gone extends Error {
  override readonly name = 'Gone';
}

const isGone = (error: unknown) => error instanceof Gone || (error instanceof ApiException && error.code === 410);

/**
 * One kind kept in the store, as client-go's Reflector keeps it: list (in pages), then watch
 * cluster-wide from the list's resourceVersion with bookmarks, resuming from the last
 * resourceVersion seen when a watch ends, relisting when the API server answers 410 Gone,
 * and retrying failures with jittered exponential backoff. The store's status for the kind
 * says what a query gets meanwhile: the objects (fresh or marked stale), or the error.
 */
export class Reflector {
  private readonly controller = new AbortController();
  private running: Promise<void> | null = null;
  private resourceVersion: string | null = null;
  private failures = 0;
  /** Lists completed, including relists after 410 (tests and logs read it). */
  relists = 0;

  constructor(
    private readonly resource: ResourceDescriptor,
    private readonly store: ObjectStore,
    private readonly http: KubeHttp,
    /** The served version of the kind, from discovery; throws CRD_NOT_INSTALLED when there is none. */
    private readonly versionOf: (resource: ResourceDescriptor, signal: AbortSignal) => Promise<string>,
    /** Drops the cached discovery answer (the kind vanished). */
    private readonly forgetDiscovery: () => void,
    private readonly timing: ReflectorTiming = DEFAULT_TIMING,
  ) {}

  start(): void {
    this.running ??= this.run().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  private get kind() {
    return this.resource.kind;
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        const version = await this.versionOf(this.resource, signal);
        if (this.resourceVersion === null) await this.list(version, signal);
        await this.watch(version, signal);
        // The server ended the watch (its timeout): resume at once from where it was.
        this.store.noteWatchRestart(this.kind);
      } catch (error) {
        if (signal.aborted) return;
        await this.failed(error, signal);
      }
    }
  }

  private async failed(error: unknown, signal: AbortSignal): Promise<void> {
    if (isGone(error)) {
      this.resourceVersion = null;
      this.store.noteWatchRestart(this.kind);
      return; // relist now
    }
    const mapped = toPipelineApiError(error, this.resource, null);
    const status = this.store.status(this.kind);
    switch (mapped.code) {
      case 'CRD_NOT_INSTALLED':
        // Deleted (or never installed): forget its objects, answer CRD_NOT_INSTALLED, look again later.
        this.forgetDiscovery();
        this.resourceVersion = null;
        this.store.clear(this.kind);
        this.store.setStatus(this.kind, { synced: false, error: mapped, stale: false, direct: false });
        await this.pause(this.timing.retryMissingMs, signal);
        return;
      case 'FORBIDDEN':
        // No cluster-wide list: per-request reads per namespace instead, so each namespace is
        // allowed or refused as RBAC says, exactly as without a store. Tried again now and then.
        this.resourceVersion = null;
        this.store.clear(this.kind);
        this.store.setStatus(this.kind, { synced: false, error: null, stale: false, direct: true });
        await this.pause(this.timing.retryMissingMs * 6, signal);
        return;
      default:
        if (status.synced) this.store.setStatus(this.kind, { stale: true });
        else this.store.setStatus(this.kind, { error: mapped });
        await this.pause(this.backoff(), signal);
    }
  }

  private backoff(): number {
    const ceiling = Math.min(this.timing.backoffMaxMs, this.timing.backoffMinMs * 2 ** this.failures);
    this.failures++;
    // Full jitter in the upper half: a fleet of replicas does not reconnect in lockstep.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      // Stopped while waiting.
    }
  }

  private stamp(object: Record<string, unknown>, version: string): KubeObject {
    // List items of built-in kinds come without apiVersion/kind; our code reads both.
    return { ...object, apiVersion: this.resource.group ? `${this.resource.group}/${version}` : version, kind: this.kind } as KubeObject;
  }

  private async list(version: string, signal: AbortSignal): Promise<void> {
    const path = collectionPath(this.resource, version, null);
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await retryingWhenAsked(
        () =>
          this.http.getJson<{ metadata?: { resourceVersion?: string; continue?: string }; items?: Record<string, unknown>[] }>(
            path,
            { limit: String(this.timing.pageSize), continue: continueToken },
            { signal, kind: this.kind, verb: 'list' },
          ),
        signal,
      );
      // Projected page by page: a large cluster never sits in memory unreduced.
      for (const item of page.items ?? []) items.push(projectObject(this.stamp(item, version)));
      continueToken = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (continueToken);
    this.store.replace(this.kind, items, Date.now(), true);
    this.resourceVersion = resourceVersion;
    this.relists++;
  }

  private async watch(version: string, signal: AbortSignal): Promise<void> {
    const path = collectionPath(this.resource, version, null);
    // As client-go: a server-side timeout of 5 to 10 minutes, so connections are renewed.
    const timeoutSeconds = String(300 + Math.floor(Math.random() * 300));
    await this.http.watch(
      path,
      { resourceVersion: this.resourceVersion ?? undefined, allowWatchBookmarks: 'true', timeoutSeconds },
      { signal, kind: this.kind, verb: 'watch' },
      () => {
        this.failures = 0;
        this.store.touch(this.kind);
        if (this.store.status(this.kind).stale) this.store.setStatus(this.kind, { stale: false });
      },
      (event) => this.apply(event, version),
    );
  }

  private apply(event: WatchEvent, version: string): void {
    const object = event.object;
    const rv = (object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.store.upsert(this.kind, this.stamp(object, version));
        break;
      case 'DELETED':
        this.store.remove(this.kind, this.stamp(object, version));
        break;
      case 'BOOKMARK':
        this.store.touch(this.kind);
        break;
      case 'ERROR': {
        const code = (object as { code?: number }).code;
        if (code === 410) throw new Gone('resourceVersion too old');
        throw new ApiException(code ?? 500, 'watch error', object, {});
      }
    }
    if (rv) this.resourceVersion = rv;
  }
}
