// A pipeline as a stream (README "Subscriptions"): now, again after each burst of changes to
// what it was built from, nothing for unrelated changes, a last error event when it goes away,
// and no listener or timer left once it ends. Faked only at the reader interface; time is
// fake timers, never a sleep.
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { livePipeline, type LivePipelineEvent } from '../src/approaches/live-pipeline.js';
import { PipelineService } from '../src/approaches/pipeline-service.js';
import { ClusterLoaders } from '../src/cluster/loaders.js';
import type { KubeObject } from '../src/cluster/kube-object.js';
import type { ClusterReader, SourceEvent } from '../src/cluster/reader.js';
import type { ResourceKind } from '../src/cluster/resources.js';
import { PipelineApiError } from '../src/errors.js';
import { pipelineObject } from './support/fixtures.js';

const COALESCE_MS = 100;

/** Objects by kind, changed by the test, read through the ClusterReader interface. */
class World {
  objects = new Map<ResourceKind, KubeObject[]>();
  listeners = new Set<(event: SourceEvent) => void>();
  failWith: Error | null = null;
  reader: ClusterReader = {
    list: async (kind, namespace) => {
      if (this.failWith) throw this.failWith;
      return (this.objects.get(kind) ?? []).filter((o) => namespace === null || o.metadata.namespace === namespace);
    },
  };

  put(kind: ResourceKind, object: KubeObject): void {
    const list = (this.objects.get(kind) ?? []).filter((o) => o.metadata.name !== object.metadata.name || o.metadata.namespace !== object.metadata.namespace);
    this.objects.set(kind, [...list, object]);
    this.emit({ type: 'change', change: { kind, type: 'MODIFIED', object } });
  }

  emit(event: SourceEvent): void {
    for (const l of this.listeners) l(event);
  }

  subscribe = (listener: (event: SourceEvent) => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

const definition = (stages: string[]) =>
  pipelineObject('shop', { stages: stages.map((name, i) => ({ name, namespace: name, order: i + 1 })) });
const stagesOf = (event: LivePipelineEvent) => event.pipeline?.stages.map((s) => s.name) ?? null;

describe('livePipeline', () => {
  let world: World;
  beforeEach(() => {
    vi.useFakeTimers();
    world = new World();
    world.objects.set('Pipeline', [definition(['dev'])]);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const live = (extra: Partial<Parameters<typeof livePipeline>[3]> = {}) =>
    livePipeline('HYBRID', 'flux-system', 'shop', {
      subscribe: world.subscribe,
      newService: (recorder) => new PipelineService(new ClusterLoaders(recorder.wrap(world.reader))),
      coalesceMs: COALESCE_MS,
      ...extra,
    });

  /** Resolves with the next event, or 'pending' if none comes after advancing the clock. */
  const nextWithin = async (stream: AsyncIterableIterator<LivePipelineEvent>, ms: number) => {
    let settled: IteratorResult<LivePipelineEvent> | 'pending' = 'pending';
    const next = stream.next().then((r) => (settled = r));
    await vi.advanceTimersByTimeAsync(ms);
    return { settled: () => settled, next };
  };

  it('sends the pipeline at once, then once per burst of changes it read, and nothing for the rest', async () => {
    const stream = live();
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect(stagesOf(first.value as LivePipelineEvent)).toEqual(['dev']);
    expect((first.value as LivePipelineEvent).error).toBeNull();

    // Unrelated: another Pipeline, a kind it did not read, a feed it did not read going stale.
    const waiting = await nextWithin(stream, 0);
    world.put('Pipeline', pipelineObject('other', { stages: [] }));
    world.put('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'flux-system', name: 'x' } });
    world.emit({ type: 'health', kind: 'HelmRelease', stale: true, error: null });
    await vi.advanceTimersByTimeAsync(COALESCE_MS * 5);
    expect(waiting.settled()).toBe('pending');

    // A burst of changes to its definition: one event, after the coalescing window, with the last state.
    world.put('Pipeline', definition(['dev', 'staging']));
    await vi.advanceTimersByTimeAsync(COALESCE_MS / 2);
    world.put('Pipeline', definition(['dev', 'staging', 'prod']));
    await vi.advanceTimersByTimeAsync(COALESCE_MS / 2 - 1);
    expect(waiting.settled()).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    const second = await waiting.next;
    expect(stagesOf(second.value as LivePipelineEvent)).toEqual(['dev', 'staging', 'prod']);

    // A feed it read going stale or recovering is an event too (freshness changed).
    const third = await nextWithin(stream, 0);
    world.emit({ type: 'health', kind: 'Pipeline', stale: true, error: null });
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(third.settled()).not.toBe('pending');
    await stream.return!();
  });

  it('gives each event a fresh service, and ends after the pipeline goes away, with its error', async () => {
    const closed = vi.fn();
    const stream = live({ onClose: closed });
    const first = (await stream.next()).value as LivePipelineEvent;
    const waiting = await nextWithin(stream, 0);
    world.objects.set('Pipeline', []);
    world.emit({ type: 'change', change: { kind: 'Pipeline', type: 'DELETED', object: definition(['dev']) } });
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    const gone = (await waiting.next).value as LivePipelineEvent;
    expect(gone.service).not.toBe(first.service);
    expect(gone.pipeline).toBeNull();
    expect(gone.error).toMatchObject({ code: 'PIPELINE_NOT_FOUND', message: 'No HYBRID pipeline named "shop" in namespace "flux-system".' });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(closed).toHaveBeenCalledTimes(1);
    expect(world.listeners.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('goes on after an invalid definition, which may be fixed, and ends after an unexpected failure', async () => {
    world.objects.set('Pipeline', [pipelineObject('shop', { stages: [{ name: 'dev', namespace: 'dev', order: 0 }] })]);
    const stream = live();
    const broken = (await stream.next()).value as LivePipelineEvent;
    expect(broken.error).toMatchObject({ code: 'INVALID_PIPELINE_DEFINITION' });
    const fixed = await nextWithin(stream, 0);
    world.put('Pipeline', definition(['dev']));
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(stagesOf((await fixed.next).value as LivePipelineEvent)).toEqual(['dev']);

    const failing = await nextWithin(stream, 0);
    world.failWith = new Error('connection reset');
    world.put('Pipeline', definition(['dev', 'prod']));
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    const failed = (await failing.next).value as LivePipelineEvent;
    expect(failed.error?.message).toBe('connection reset');
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('ends with UNAUTHENTICATED once the credentials no longer hold, asking before every event', async () => {
    let valid = true;
    const asked = vi.fn(async () => valid);
    const stream = live({ stillAuthenticated: asked });
    expect(stagesOf((await stream.next()).value as LivePipelineEvent)).toEqual(['dev']);
    expect(asked).toHaveBeenCalledTimes(1);
    const waiting = await nextWithin(stream, 0);
    valid = false;
    world.put('Pipeline', definition(['dev', 'prod']));
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    const last = (await waiting.next).value as LivePipelineEvent;
    expect(last.pipeline).toBeNull();
    expect(last.error).toBeInstanceOf(PipelineApiError);
    expect(last.error).toMatchObject({ code: 'UNAUTHENTICATED', message: "The caller's credentials are no longer valid: the subscription ends." });
    expect(asked).toHaveBeenCalledTimes(2);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('ends at once when the client goes away, even while waiting, and leaves nothing behind', async () => {
    const controller = new AbortController();
    const closed = vi.fn();
    const stream = live({ signal: controller.signal, onClose: closed });
    await stream.next();
    const waiting = stream.next();
    // A change is pending in the coalescing window when the client leaves.
    world.put('Pipeline', definition(['dev', 'prod']));
    controller.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(closed).toHaveBeenCalledTimes(1);
    expect(world.listeners.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // Closing again (return, a second abort) does nothing more.
    expect(await stream.return!()).toEqual({ done: true, value: undefined });
    controller.abort();
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('is over before it starts for a client already gone, and throw() ends it too', async () => {
    const controller = new AbortController();
    controller.abort();
    const closed = vi.fn();
    expect(await live({ signal: controller.signal, onClose: closed }).next()).toEqual({ done: true, value: undefined });
    expect(closed).toHaveBeenCalledTimes(1);
    expect(world.listeners.size).toBe(0);

    const stream = live();
    expect(stream[Symbol.asyncIterator]()).toBe(stream);
    await stream.next();
    await expect(stream.throw!(new Error('stop'))).rejects.toThrow('stop');
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(world.listeners.size).toBe(0);
  });

  it('works without a change feed: one event, then waits for ever until closed', async () => {
    const stream = livePipeline('HYBRID', 'flux-system', 'shop', {
      newService: (recorder) => new PipelineService(new ClusterLoaders(recorder.wrap(world.reader))),
      coalesceMs: COALESCE_MS,
    });
    expect(stagesOf((await stream.next()).value as LivePipelineEvent)).toEqual(['dev']);
    const waiting = await nextWithin(stream, COALESCE_MS * 10);
    expect(waiting.settled()).toBe('pending');
    await stream.return!();
    expect(await waiting.next).toEqual({ done: true, value: undefined });
  });
  it('re-checks a quiet stream recheckMs after its last evaluation, marking such events', async () => {
    const RECHECK_MS = 1_000;
    let valid = true;
    const stream = live({ recheckMs: RECHECK_MS, stillAuthenticated: async () => valid });
    expect((await stream.next()).value).toMatchObject({ recheck: false, error: null });
    // A change re-evaluates (recheck false) and re-arms the clock from there.
    const changed = await nextWithin(stream, RECHECK_MS / 2);
    world.put('Pipeline', definition(['dev', 'prod']));
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect((await changed.next).value).toMatchObject({ recheck: false });
    const quiet = await nextWithin(stream, RECHECK_MS - 1);
    expect(quiet.settled()).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    const rechecked = (await quiet.next).value as LivePipelineEvent;
    expect(rechecked).toMatchObject({ recheck: true, error: null });
    expect(stagesOf(rechecked)).toEqual(['dev', 'prod']);
    // An ending error found by a re-check is always sent: recheck false.
    valid = false;
    const ending = await nextWithin(stream, RECHECK_MS);
    expect((await ending.next).value).toMatchObject({ recheck: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('marks a recoverable error found by a re-check as a re-check, and keeps going', async () => {
    const RECHECK_MS = 1_000;
    const stream = live({ recheckMs: RECHECK_MS });
    await stream.next();
    world.objects.set('Pipeline', [pipelineObject('shop', { stages: [{ name: 'dev', namespace: 'dev', order: 0 }] })]);
    const broken = await nextWithin(stream, RECHECK_MS);
    expect((await broken.next).value).toMatchObject({ recheck: true, error: { code: 'INVALID_PIPELINE_DEFINITION' } });
    expect(vi.getTimerCount()).toBe(1);
    await stream.return!();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('coalesces a burst under one timer: one event for it, and none after', async () => {
    const stream = live();
    await stream.next();
    const waiting = await nextWithin(stream, 0);
    world.put('Pipeline', definition(['dev', 'staging']));
    await vi.advanceTimersByTimeAsync(COALESCE_MS / 2);
    world.put('Pipeline', definition(['dev', 'staging', 'prod']));
    // The second change joins the window the first one opened: no second timer.
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(COALESCE_MS / 2);
    expect(stagesOf((await waiting.next).value as LivePipelineEvent)).toEqual(['dev', 'staging', 'prod']);
    expect(vi.getTimerCount()).toBe(0);
    const after = await nextWithin(stream, COALESCE_MS * 5);
    expect(after.settled()).toBe('pending');
    await stream.return!();
    expect(await after.next).toEqual({ done: true, value: undefined });
  });

  it('ignores changes that come before its first read, which sees them anyway', async () => {
    const stream = live();
    world.put('Pipeline', definition(['dev', 'prod']));
    world.emit({ type: 'health', kind: 'Pipeline', stale: true, error: null });
    expect(vi.getTimerCount()).toBe(0);
    expect(stagesOf((await stream.next()).value as LivePipelineEvent)).toEqual(['dev', 'prod']);
    const after = await nextWithin(stream, COALESCE_MS * 5);
    expect(after.settled()).toBe('pending');
    await stream.return!();
  });

  it('arms no re-check after an ending error, nor after closing during an evaluation', async () => {
    const RECHECK_MS = 1_000;
    const ended = live({ recheckMs: RECHECK_MS });
    await ended.next();
    expect(vi.getTimerCount()).toBe(1);
    const waiting = await nextWithin(ended, 0);
    world.objects.set('Pipeline', []);
    world.emit({ type: 'change', change: { kind: 'Pipeline', type: 'DELETED', object: definition(['dev']) } });
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect((await waiting.next).value).toMatchObject({ error: { code: 'PIPELINE_NOT_FOUND' } });
    // The stream is over once this event is sent: nothing is left ticking meanwhile.
    expect(vi.getTimerCount()).toBe(0);
    expect(await ended.next()).toEqual({ done: true, value: undefined });

    let answer: (valid: boolean) => void = () => {};
    const closed = live({ recheckMs: RECHECK_MS, stillAuthenticated: () => new Promise<boolean>((resolve) => (answer = resolve)) });
    const evaluating = closed.next();
    await vi.advanceTimersByTimeAsync(0);
    expect(await closed.return!()).toEqual({ done: true, value: undefined });
    answer(true);
    await evaluating;
    expect(vi.getTimerCount()).toBe(0);
    expect(world.listeners.size).toBe(0);
  });

  it('removes its abort listener however it ends', async () => {
    const returned = new AbortController();
    const stream = live({ signal: returned.signal });
    await stream.next();
    expect(getEventListeners(returned.signal, 'abort')).toHaveLength(1);
    await stream.return!();
    expect(getEventListeners(returned.signal, 'abort')).toHaveLength(0);

    const aborted = new AbortController();
    const closed = vi.fn();
    const other = live({ signal: aborted.signal, onClose: closed });
    await other.next();
    expect(getEventListeners(aborted.signal, 'abort')).toHaveLength(1);
    aborted.abort();
    expect(getEventListeners(aborted.signal, 'abort')).toHaveLength(0);
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('ends after a failure that only looks like a recoverable one (not this service\'s error)', async () => {
    const foreign = Object.assign(new Error('lookalike'), { code: 'INVALID_PIPELINE_DEFINITION' });
    world.failWith = foreign;
    const stream = live();
    expect((await stream.next()).value).toMatchObject({ pipeline: null, error: { message: 'lookalike' } });
    const after = await nextWithin(stream, COALESCE_MS * 5);
    expect(after.settled()).toEqual({ done: true, value: undefined });
  });
});
