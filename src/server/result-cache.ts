import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Identity } from '../cluster/reader.js';
import type { GraphQLContext } from '../schema/context.js';

/**
 * An answer as Yoga sends it: Yoga's JSON result processor encodes a result with its own
 * `stringify` when it has one (graphql-yoga's result-processor/stringify.ts).
 */
export type EncodedResult = ExecutionResult & { stringify?: (result: ExecutionResult) => string };

/** One remembered answer. */
interface Entry {
  /** The answer's JSON text: a hit is neither executed nor encoded again. */
  json: string;
  /** The answer's top-level fields (`data`, …), in order. */
  keys: readonly string[];
  /** The source's generation the answer was computed at: it is exact while that holds. */
  generation: number;
  /** Epoch ms after which it must not be served (the earliest access decision it relied on). */
  validUntil: number;
  /** Estimated bytes held (see estimateBytes). */
  bytes: number;
}

/**
 * An entry holds its answer's JSON text and nothing parsed from it: at most two bytes a
 * character, whichever way V8 stores the string, plus what every entry costs whatever its
 * size (the entry, its place in the map, the answer object built for a hit: about 250 bytes
 * measured; counted as 400), which is most of a small answer's cost.
 */
const ENTRY_BYTES = 400;
const estimateBytes = (json: string): number => 2 * json.length + ENTRY_BYTES;

/** The fields of almost every answer, shared by the entries that have just these. */
const DATA_ONLY: readonly string[] = Object.freeze(['data']);

/**
 * The fields JSON.stringify writes of a result: an undefined one is no field of its text. A
 * field read back from a text (an answer assembled from kept parts) is one, and is not read
 * here: reading it would parse the text.
 */
function fieldsOf(result: ExecutionResult): readonly string[] {
  const keys = Object.keys(result).filter((key) => {
    const field = Object.getOwnPropertyDescriptor(result, key)!;
    return field.get !== undefined || field.value !== undefined;
  });
  return keys.length === 1 && keys[0] === 'data' ? DATA_ONLY : keys;
}

/**
 * An answer as its JSON text, with the given top-level fields, for Yoga to send as is: the
 * object keeps the text and nothing else. Its fields (`data`, …) are read back from the text
 * only when something asks for them, each time they are asked for, so a kept answer does not
 * hold the executor's result objects beside its text (two to four times the text's size, and
 * live for the collector to walk; the kept `pipelines` answer of a fleet is 4 MB of text).
 * Writing a field replaces it with the value written. The text is used only for this very
 * object: a plugin that replaces the result (`{ ...result, errors }`) gets its new result
 * encoded as usual, never the old text.
 */
export function fromText(json: string, keys: readonly string[] = DATA_ONLY): EncodedResult {
  const encoded = {} as EncodedResult;
  for (const key of keys) {
    Object.defineProperty(encoded, key, {
      get: () => (JSON.parse(json) as Record<string, unknown>)[key],
      set(value: unknown) {
        Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
      },
      enumerable: true,
      configurable: true,
    });
  }
  Object.defineProperty(encoded, 'stringify', { value: (r: ExecutionResult) => (r === encoded ? json : JSON.stringify(r)), enumerable: false });
  return encoded;
}

/**
 * Answers of queries, bounded by estimated bytes, least recently used dropped first.
 * Every entry belongs to one source generation: once the generation moves on (an object
 * changed, a feed went stale or came back, a sync was noted) every entry is dropped, since
 * none can be served again.
 */
export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private generation = -1;
  private held = 0;
  hits = 0;
  misses = 0;

  constructor(
    readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  private advance(generation: number): void {
    if (generation === this.generation) return;
    this.entries.clear();
    this.held = 0;
    this.generation = generation;
  }

  get(key: string, generation: number): EncodedResult | undefined {
    this.advance(generation);
    const entry = this.entries.get(key);
    if (!entry || entry.generation !== generation || entry.validUntil <= this.now()) {
      if (entry) this.drop(key, entry);
      this.misses++;
      return undefined;
    }
    // Most recently used last: eviction takes from the front.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return fromText(entry.json, entry.keys);
  }

  /**
   * Keeps an answer; returns it with its JSON text attached (to be sent in its place, so
   * even a miss is encoded once), or the result as given when it is not kept.
   */
  set(key: string, generation: number, result: ExecutionResult, validUntil: number): ExecutionResult {
    if (generation < this.generation || validUntil <= this.now()) return result;
    this.advance(generation);
    // An answer assembled from kept parts comes with its text already (pipeline-parts.ts).
    const json = (result as EncodedResult).stringify?.(result) ?? JSON.stringify(result);
    // The key counts too (two bytes a character at most): it holds the request's variables,
    // which a query need not read, so a small answer may sit under a key of a whole body.
    const bytes = estimateBytes(json) + 2 * key.length;
    // One answer may not push out most of the others.
    if (bytes > this.maxBytes / 2) return result;
    const previous = this.entries.get(key);
    if (previous) this.drop(key, previous);
    const keys = fieldsOf(result);
    this.entries.set(key, { json, keys, generation, validUntil, bytes });
    this.held += bytes;
    for (const [oldKey, old] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.drop(oldKey, old);
    }
    return fromText(json, keys);
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.held -= entry.bytes;
  }
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;

/**
 * A number for a parsed document, the same for as long as the document lives: the bounded
 * document cache hands every request with the same text the same DocumentNode, so answers
 * can be keyed by it without the document's text.
 */
export function documentId(document: DocumentNode): number {
  let id = documentIds.get(document);
  // Stryker disable next-line UpdateOperator: equivalent, counting down gives each document a distinct id too
  if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
  return id;
}

/** Who asked: answers differ per caller when callers are authorized one by one. */
function callerKey(identity: Identity | undefined): string {
  if (!identity) return '';
  // JSON keeps the parts apart: no user or group name can forge another caller's key.
  return JSON.stringify([identity.user, [...new Set(identity.groups)].sort()]);
}

/**
 * Serves a repeated query from memory while nothing it could depend on changed: the key is
 * (document, operation name, variables, caller), the entry is tied to the source's
 * generation (objects, feed health, time of last sync: a stale transition shows at once),
 * and, when callers are authorized, it lives no longer than the access decisions it relied
 * on, so a revocation takes effect within the access-review TTL as without the cache.
 * Only answers without errors, and without a failed read behind them, are kept: errors carry
 * their request's id and some depend on time (DEADLINE_EXCEEDED, KUBERNETES_UNAVAILABLE), and
 * some answers turn a failed read into data (a health of UNKNOWN). Subscriptions never pass here, and a
 * served answer goes through result processing like any other (metrics, request id).
 */
export function useResultCache(cache: ResultCache, generation: () => number | null): Plugin<GraphQLContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'query') return undefined;
      const atStart = generation();
      if (atStart === null) return undefined;
      const context = args.contextValue as GraphQLContext;
      const key = `${documentId(args.document)}\n${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? null)}\n${callerKey(context.scope.identity)}`;
      const cached = cache.get(key, atStart);
      if (cached) {
        setResultAndStopExecution(cached);
        return undefined;
      }
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result || result.errors?.length) return;
          // A failed read may have become data without an error (a health of UNKNOWN).
          if (context.readFailed?.()) return;
          // Something changed while it ran: the answer may mix two states.
          if (generation() !== atStart) return;
          const kept = cache.set(key, atStart, result, context.resultValidUntil?.() ?? Infinity);
          if (kept !== result) setResult(kept);
        },
      };
    },
  };
}
