import type { SourceEvent } from '../cluster/reader.js';
import { ReadRecorder } from '../cluster/store/read-recorder.js';
import { PipelineApiError } from '../errors.js';
import type { Approach, Pipeline } from '../model/pipeline.js';
import type { PipelineService } from './pipeline-service.js';

/** One event of a live pipeline: the pipeline, or why it cannot be given; and the service that read it. */
export interface LivePipelineEvent {
  pipeline: Pipeline | null;
  error: Error | null;
  /** Fresh per event: the event's fields are resolved through it, so it reads current data. */
  service: PipelineService;
  /**
   * True when nothing the pipeline is built from changed and the event only re-checks the
   * caller (the `recheckMs` timer): it is to be sent only when its answer differs from the
   * last one sent. An error event always ends the stream, so it is always sent.
   */
  recheck: boolean;
}

export interface LivePipelineOptions {
  /** The source's change feed; absent for a source that never changes. */
  subscribe?: (listener: (event: SourceEvent) => void) => () => void;
  /** A fresh per-request service (its own loaders and deadline) reading through the recorder's wrap. */
  newService: (recorder: ReadRecorder) => PipelineService;
  /** Changes closer together than this are one event. */
  coalesceMs: number;
  /** Ends the stream (the client went away). */
  signal?: AbortSignal;
  /** Called once when the stream ends, however it ends. */
  onClose?: () => void;
  /** Whether the caller's credentials still hold; asked before every event. */
  stillAuthenticated?: () => Promise<boolean>;
  /**
   * With per-user access: evaluate again this long after the last evaluation even when
   * nothing changed (half the review cache's TTL, the evaluations trusting only answers
   * with that long left), so a caller whose token or RBAC was revoked is not kept
   * connected by a quiet pipeline. Absent: no timer.
   */
  recheckMs?: number;
}

/** Errors after which the stream goes on: a definition being edited may become valid again. */
const RECOVERABLE = new Set(['INVALID_PIPELINE_DEFINITION']);

/**
 * A pipeline as a stream: now, then again after each change to any object it was built
 * from (coalesced), and a final error event when it goes away or cannot be read any more.
 * Written as a plain iterator rather than an async generator so that `return()` (the client
 * went away) takes effect at once, even while an event is being waited for, and leaves no
 * listener behind.
 */
export function livePipeline(approach: Approach, namespace: string, name: string, options: LivePipelineOptions): AsyncIterableIterator<LivePipelineEvent> {
  let closed = false;
  let dirty = true;
  let endAfterThis = false;
  // Undefined when not running: clearTimeout(undefined) does nothing, so no guard is needed.
  let timer: NodeJS.Timeout | undefined;
  /** Set by the re-check timer: evaluate again although nothing changed. */
  // Stryker disable next-line BooleanLiteral: equivalent, dirty starts true, so the first next() evaluates and resets this before anything reads it
  let recheckDue = false;
  let recheckTimer: NodeJS.Timeout | undefined;
  let recorder: ReadRecorder | null = null;
  let waiting: ((value: void) => void) | null = null;

  const wake = () => {
    const resolve = waiting;
    waiting = null;
    resolve?.();
  };
  const markDirty = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      dirty = true;
      wake();
    }, options.coalesceMs);
  };
  // Re-armed after every evaluation, whatever caused it: an evaluation re-authorizes
  // (fresh loaders, stillAuthenticated), so the clock only needs to run while quiet.
  // The previous clock is stopped first, so an ending error leaves none running either.
  const armRecheck = () => {
    clearTimeout(recheckTimer);
    recheckTimer = undefined;
    if (closed || endAfterThis || options.recheckMs === undefined) return;
    recheckTimer = setTimeout(() => {
      recheckTimer = undefined;
      recheckDue = true;
      wake();
    }, options.recheckMs);
  };
  const unsubscribe = options.subscribe?.((event) => {
    if (!recorder) return;
    if (event.type === 'change' ? recorder.concerns(event.change) : recorder.kinds().has(event.kind)) markDirty();
  });

  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    timer = undefined;
    clearTimeout(recheckTimer);
    recheckTimer = undefined;
    unsubscribe?.();
    // Needed when something else ends the stream; on abort it also drops the listener (a
    // signal aborts only once, so no `once` option is needed).
    options.signal?.removeEventListener('abort', close);
    wake();
    options.onClose?.();
  };
  if (options.signal?.aborted) close();
  else options.signal?.addEventListener('abort', close);

  const evaluate = async (recheck: boolean): Promise<LivePipelineEvent> => {
    const next = new ReadRecorder();
    const service = options.newService(next);
    recorder = next;
    try {
      if (options.stillAuthenticated && !(await options.stillAuthenticated())) {
        throw new PipelineApiError('UNAUTHENTICATED', 'The caller\'s credentials are no longer valid: the subscription ends.');
      }
      return { pipeline: await service.get(approach, namespace, name), error: null, service, recheck };
    } catch (error) {
      // Only this service's own coded errors are trusted to be recoverable.
      const recoverable = error instanceof PipelineApiError && RECOVERABLE.has(error.code);
      if (!recoverable) endAfterThis = true;
      // An error that ends the stream is always sent: it must never end silently.
      return { pipeline: null, error: error as Error, service, recheck: recheck && !endAfterThis };
    } finally {
      armRecheck();
    }
  };

  const iterator: AsyncIterableIterator<LivePipelineEvent> = {
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async next() {
      if (endAfterThis) close();
      while (!closed && !dirty && !recheckDue) await new Promise<void>((resolve) => (waiting = resolve));
      if (closed) return { done: true, value: undefined };
      const recheckOnly = !dirty;
      dirty = false;
      recheckDue = false;
      return { done: false, value: await evaluate(recheckOnly) };
    },
    async return() {
      close();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      close();
      throw error;
    },
  };
  return iterator;
}
