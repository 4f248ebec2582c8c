import {
  GraphQLError,
  Kind,
  locatedError,
  getOperationAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { randomUUID } from 'node:crypto';
import type { SourceEvent, StoreChange } from '../cluster/reader.js';
import { ReadRecorder } from '../cluster/store/read-recorder.js';
import { countPipelinePart } from '../metrics.js';
import { CompiledParts } from './compiled-parts.js';
import type { GraphQLContext } from '../schema/context.js';
import { documentId, fromText } from './result-cache.js';

/**
 * Per-pipeline parts of `pipelines` answers, reused across store changes.
 *
 * The result cache answers a repeated query only while nothing at all changed; on a live
 * cluster some object changes every few seconds, and `pipelines` over a fleet of 1,000 is
 * ~250,000 fields, about a second of CPU through graphql-js. Here that answer is assembled
 * per pipeline instead: the list itself (which pipelines exist, in which order, which could
 * not be read) is executed every time, with only the fields that identify each pipeline;
 * each pipeline's own selection is the part. A part is executed as `pipeline(...)` with the
 * same selection, recording what it read (ReadRecorder, as subscriptions do), and kept with
 * its JSON text until a store change concerns one of those reads. A change to one release
 * then costs one pipeline's part, not the whole answer. A root `pipeline(...)` field is one
 * part of its own (the operation with only that field), so a dashboard asking for one
 * pipeline again after a change elsewhere in the cluster gets the kept part. A long listing
 * runs its one part document for every pipeline, so that document is compiled once and run
 * compiled where that is exact (compiled-parts.ts); a root `pipeline(...)` part, run once a
 * request, is interpreted.
 *
 * The root fields of an assembled answer are in the document's order. Inside an object the
 * order is the executor's, which writes fields as they finish, in a part as in a full
 * execution (so the two may order an object's keys differently; the data are the same), and
 * a compiled part's is the document's.
 *
 * Only what is exact is reused:
 * - parts without errors (errors carry their request's id, and some depend on time);
 * - parts during whose execution no change concerned anything they had read (a change to
 *   something not yet read is fine: the part reads the new state), so parts are still kept
 *   on a cluster where some object changes every few milliseconds;
 * - no part whose selection reads `freshness`, which changes without an object changing
 *   (the time of last sync moves with every bookmark);
 * - anonymous callers only: with per-user access an answer depends on access decisions
 *   that expire on their own, so authorized callers are executed in full every time (the
 *   result cache still serves their repeats within a decision's life);
 * - a feed going stale or recovering drops every part, as does a source read live
 *   (generation null).
 * A `pipelines` or `pipeline` field with a directive or reading `freshness` is executed with
 * the rest of the operation, as before; a document with a root fragment spread or the same
 * response key twice, a mutation or a subscription is executed as before altogether.
 */

/** The root fields answered part by part; a listed pipeline's part is a `pipeline` field. */
const LIST_FIELD = 'pipelines';
const ONE_FIELD = 'pipeline';
/** The fields that identify a listed pipeline: the arguments of `pipeline(...)`. */
const IDENTITY_FIELDS = ['approach', 'namespace', 'name'] as const;
/** A field whose value changes without any object changing. */
const TIME_DEPENDENT_FIELD = 'freshness';

interface PlannedField {
  /** The response key of the `pipelines` field (its alias or name). */
  key: string;
  /** The field as the client wrote it: what its listing is priced by. */
  list: FieldNode;
  /** `query(<the operation's variables>, $a, $n, $ns) { pipeline(approach: $a, name: $n, namespace: $ns) { <the field's selection> } }` */
  part: DocumentNode;
  approachVar: string;
  nameVar: string;
  namespaceVar: string;
}

/** A root `pipeline(...)` field answered as one part. */
interface PlannedOne {
  /** Its response key (alias or name). */
  key: string;
  /** The operation with only this field (the same arguments, alias and selection). */
  part: DocumentNode;
}

interface Plan {
  /**
   * The document without the planned `pipeline` fields and with each planned `pipelines`
   * field's selection cut to the identifying fields; null when nothing else is left.
   */
  skeleton: DocumentNode | null;
  /** The planned `pipelines` fields. */
  fields: PlannedField[];
  /** The planned `pipeline` fields. */
  ones: PlannedOne[];
  /** Every root response key, in the order the answer lists them. */
  keys: string[];
  /** The variables the operation declares: only they can change an answer. */
  variables: string[];
  /** The operation and its document's fragments, which price the listings. */
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  /** The skeleton's planned `pipelines` fields, cut to the identifying fields. */
  cut: ReadonlySet<FieldNode>;
}

/** One kept part: a pipeline's answer to one field of one document with one set of variables. */
interface Part {
  /** Its answer as JSON text: what an answer without errors is written from. */
  json: string;
  /**
   * Its answer as a value, parsed from the text the first time an answer with errors needs it
   * (such an answer is encoded from values), and kept from then on: a listing with a pipeline
   * that is always broken needs the other parts' values on every repeat. UNPARSED until then.
   */
  value: unknown;
  recorder: ReadRecorder;
  bytes: number;
}

const UNPARSED = Symbol('unparsed');

/**
 * Estimated bytes of a kept part: its JSON text (at most two bytes a character), its key, and
 * the reads it keeps to be checked against changes (a read record, its labels and its place in
 * the recorder's lists: about 200 bytes, measured).
 */
const BYTES_PER_READ = 200;
const estimateBytes = (json: string, key: string, reads: number): number => 2 * json.length + 2 * key.length + BYTES_PER_READ * reads;
/** What a part's parsed value adds: objects two to four times its text's length (see result-cache.ts). */
const PARSED_BYTES_PER_CHAR = 3;

/** A part being executed: spoiled when a change concerns something it has read so far. */
export interface Flight {
  readonly recorder: ReadRecorder;
  spoiled: boolean;
  /** The scope keys it has read in so far (see PartCache.flightsByScope). */
  readonly scopes: Set<string>;
}

/**
 * Kept parts, bounded by estimated bytes (least recently used dropped first), each dropped
 * as soon as a store change concerns something it read. Parts, and parts still executing,
 * are found for a change through the (kind, namespace) of their reads, so a change costs the
 * parts that read its namespace, not all of them: a relist of 100,000 objects while 1,000
 * parts execute checks each object against the few parts that read its namespace.
 */
export class PartCache {
  private readonly parts = new Map<string, Part>();
  private readonly flights = new Set<Flight>();
  /** Scope key → the parts in flight that have read there. */
  private readonly flightsByScope = new Map<string, Set<Flight>>();
  /** "kind\0namespace" (namespace "*" for a read over all namespaces) → keys of parts that read there. */
  private readonly byScope = new Map<string, Set<string>>();
  private held = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.parts.size;
  }

  get bytes(): number {
    return this.held;
  }

  get(key: string): Part | undefined {
    const part = this.parts.get(key);
    if (!part) {
      this.misses++;
      return undefined;
    }
    // Most recently used last: eviction takes from the front.
    this.parts.delete(key);
    this.parts.set(key, part);
    this.hits++;
    return part;
  }

  set(key: string, json: string, recorder: ReadRecorder): void {
    const bytes = estimateBytes(json, key, recorder.size);
    if (bytes > this.maxBytes / 4) return;
    this.drop(key);
    this.parts.set(key, { json, value: UNPARSED, recorder, bytes });
    this.held += bytes;
    for (const scope of scopesOf(recorder)) {
      let keys = this.byScope.get(scope);
      if (!keys) this.byScope.set(scope, (keys = new Set()));
      keys.add(key);
    }
    this.trim();
  }

  /**
   * A kept part's answer as a value (for an answer with errors): parsed from its text once,
   * then kept with it and counted against the bound.
   */
  valueOf(key: string, part: Part): unknown {
    if (part.value === UNPARSED) {
      part.value = JSON.parse(part.json) as unknown;
      // Only a part still kept counts: one dropped meanwhile is held by this request alone.
      if (this.parts.get(key) === part) {
        const more = PARSED_BYTES_PER_CHAR * part.json.length;
        part.bytes += more;
        this.held += more;
        this.trim();
      }
    }
    return part.value;
  }

  /** Drops the least recently used parts until the estimate is within the bound. */
  private trim(): void {
    for (const oldKey of this.parts.keys()) {
      if (this.held <= this.maxBytes) break;
      this.drop(oldKey);
    }
  }

  /**
   * A part starts executing: what it reads is recorded by `recorder`. A store change that
   * concerns one of its reads before it ends spoils it (it may hold the state from before), a
   * change to something it has not read yet does not (it will read the new state), so parts
   * are kept even while unrelated objects change all the time.
   */
  takeOff(recorder: ReadRecorder): Flight {
    const flight: Flight = { recorder, spoiled: false, scopes: new Set() };
    this.flights.add(flight);
    const readIn = (kind: string, namespace: string | null) => {
      const scope = scopeKey(kind, namespace);
      // Stryker disable next-line ConditionalExpression: equivalent, adding the flight to its scope's set again changes nothing (sets); only the work differs
      if (flight.scopes.has(scope)) return;
      flight.scopes.add(scope);
      let flying = this.flightsByScope.get(scope);
      if (!flying) this.flightsByScope.set(scope, (flying = new Set()));
      flying.add(flight);
    };
    for (const read of recorder.scopes()) readIn(read.kind, read.namespace);
    recorder.onRead = readIn;
    return flight;
  }

  /** The part ended; true when nothing it read changed meanwhile (it may be kept). */
  land(flight: Flight): boolean {
    this.flights.delete(flight);
    flight.recorder.onRead = undefined;
    for (const scope of flight.scopes) {
      // Every scope the flight read in holds it (readIn put it there).
      const flying = this.flightsByScope.get(scope)!;
      flying.delete(flight);
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent but for memory, an empty set left behind holds no flight to check
      if (flying.size === 0) this.flightsByScope.delete(scope);
    }
    return !flight.spoiled;
  }

  /** Drops the parts a store event may have changed, and spoils the parts in flight it concerns. */
  apply(event: SourceEvent): void {
    if (event.type !== 'change') {
      // A feed went stale or recovered: errors and freshness may differ; nothing is kept.
      this.clear();
      for (const flight of this.flights) flight.spoiled = true;
      return;
    }
    const change = event.change;
    for (const namespace of changeNamespaces(change)) {
      const scope = scopeKey(change.kind, namespace);
      for (const flight of this.flightsByScope.get(scope) ?? []) {
        if (!flight.spoiled && flight.recorder.concerns(change)) flight.spoiled = true;
      }
      // Stryker disable next-line ArrayDeclaration: equivalent, a key with no part behind it is looked up and skipped
      for (const key of [...(this.byScope.get(scope) ?? [])]) {
        const part = this.parts.get(key);
        if (part && part.recorder.concerns(change)) this.drop(key);
      }
    }
  }

  clear(): void {
    this.parts.clear();
    this.byScope.clear();
    this.held = 0;
  }

  private drop(key: string): void {
    const part = this.parts.get(key);
    if (!part) return;
    this.parts.delete(key);
    this.held -= part.bytes;
    // Stryker disable next-line BlockStatement: equivalent, byScope only narrows which parts apply() checks; a key left behind is looked up in parts and its part (if any) checked by its own recorder
    for (const scope of scopesOf(part.recorder)) {
      const keys = this.byScope.get(scope);
      // Stryker disable next-line OptionalChaining: equivalent, every scope of a kept part has its set in byScope until clear(), which empties parts too (drop then finds no part)
      keys?.delete(key);
      // Stryker disable next-line ConditionalExpression,OptionalChaining: equivalent, an empty set left in byScope costs a lookup, never a wrong drop; keys is always defined (see above)
      if (keys?.size === 0) this.byScope.delete(scope);
    }
  }
}

const ALL_NAMESPACES = '*';
// Stryker disable next-line StringLiteral,LogicalOperator: equivalent, coarser keys only make apply() check more parts, each checked by its own recorder; no key a change looks up is lost
const scopeKey = (kind: string, namespace: string | null): string => `${kind}\0${namespace ?? ALL_NAMESPACES}`;
const scopesOf = (recorder: ReadRecorder): Set<string> => new Set(recorder.scopes().map((s) => scopeKey(s.kind, s.namespace)));

/** The namespaces whose reads a change may answer: its own (before and after) and "all". */
function changeNamespaces(change: StoreChange): (string | null)[] {
  const namespaces = new Set<string | null>([null, change.object.metadata.namespace ?? '']);
  if (change.previous) namespaces.add(change.previous.metadata.namespace ?? '');
  return [...namespaces];
}

// ---- planning: which documents are answered part by part, and how ----

/** Every field name in a selection, through the fragments it spreads (each fragment once). */
function selects(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, name: string, seen = new Set<string>()): boolean {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === name) return true;
      if (selection.selectionSet && selects(selection.selectionSet, fragments, name, seen)) return true;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (selects(selection.selectionSet, fragments, name, seen)) return true;
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment && selects(fragment.selectionSet, fragments, name, seen)) return true;
    }
  }
  return false;
}

const nameNode = (value: string) => ({ kind: Kind.NAME, value }) as const;
const variable = (name: string) => ({ kind: Kind.VARIABLE, name: nameNode(name) }) as const;
const field = (name: string): FieldNode => ({ kind: Kind.FIELD, name: nameNode(name) });

/** A variable name the operation does not use yet. */
function freshVariable(taken: Set<string>, base: string): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  taken.add(name);
  return name;
}

function requiredVariable(name: string, type: string): VariableDefinitionNode {
  return {
    kind: Kind.VARIABLE_DEFINITION,
    variable: variable(name),
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: nameNode(type) } },
  };
}

/** How a document's operation is answered part by part; null when it is executed as before. */
export function planOf(document: DocumentNode, operationName: string | null | undefined): Plan | null {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'query') return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const keys = new Set<string>();
  const listed: FieldNode[] = [];
  const single: FieldNode[] = [];
  for (const selection of operation.selectionSet.selections) {
    // A root fragment may hold `pipelines` too, and merging it with a planned field is the executor's business.
    if (selection.kind !== Kind.FIELD) return null;
    const key = selection.alias?.value ?? selection.name.value;
    if (keys.has(key)) return null;
    keys.add(key);
    const name = selection.name.value;
    if (name !== LIST_FIELD && name !== ONE_FIELD) continue;
    // Anything else is executed with the rest of the operation, as before.
    if (selection.directives?.length || !selection.selectionSet) continue;
    if (selects(selection.selectionSet, fragments, TIME_DEPENDENT_FIELD)) continue;
    (name === LIST_FIELD ? listed : single).push(selection);
  }
  if (listed.length === 0 && single.length === 0) return null;
  const taken = new Set((operation.variableDefinitions ?? []).map((d) => d.variable.name.value));
  const otherDefinitions = document.definitions.filter((d) => d !== operation);
  const fields = listed.map((list): PlannedField => {
    const approachVar = freshVariable(taken, 'partApproach');
    const nameVar = freshVariable(taken, 'partName');
    const namespaceVar = freshVariable(taken, 'partNamespace');
    const one: FieldNode = {
      kind: Kind.FIELD,
      name: nameNode(ONE_FIELD),
      arguments: [
        { kind: Kind.ARGUMENT, name: nameNode('approach'), value: variable(approachVar) },
        { kind: Kind.ARGUMENT, name: nameNode('name'), value: variable(nameVar) },
        { kind: Kind.ARGUMENT, name: nameNode('namespace'), value: variable(namespaceVar) },
      ],
      selectionSet: list.selectionSet,
      // An error about the pipeline itself points where the client asked for it.
      loc: list.loc,
    };
    const partOperation: OperationDefinitionNode = {
      kind: Kind.OPERATION_DEFINITION,
      operation: operation.operation,
      name: operation.name,
      variableDefinitions: [
        ...(operation.variableDefinitions ?? []),
        requiredVariable(approachVar, 'Approach'),
        requiredVariable(nameVar, 'String'),
        requiredVariable(namespaceVar, 'String'),
      ],
      selectionSet: { kind: Kind.SELECTION_SET, selections: [one] },
    };
    return {
      key: list.alias?.value ?? list.name.value,
      list,
      part: { kind: Kind.DOCUMENT, definitions: [partOperation, ...otherDefinitions] },
      approachVar,
      nameVar,
      namespaceVar,
    };
  });
  const only = (selections: readonly FieldNode[]): DocumentNode => ({
    kind: Kind.DOCUMENT,
    definitions: document.definitions.map((d) => (d === operation ? { ...operation, selectionSet: { ...operation.selectionSet, selections } } : d)),
  });
  const ones = single.map((one): PlannedOne => ({ key: one.alias?.value ?? one.name.value, part: only([one]) }));
  const cut = new Set<FieldNode>();
  const rest = (operation.selectionSet.selections as readonly FieldNode[])
    .filter((s) => !single.includes(s))
    .map((s): FieldNode => {
      if (!listed.includes(s)) return s;
      const identities: FieldNode = { ...s, selectionSet: { kind: Kind.SELECTION_SET, selections: IDENTITY_FIELDS.map(field) } };
      cut.add(identities);
      return identities;
    });
  const variables = (operation.variableDefinitions ?? []).map((d) => d.variable.name.value);
  return { skeleton: rest.length ? only(rest) : null, fields, ones, keys: [...keys], variables, operation, fragments: Object.fromEntries(fragments), cut };
}

// ---- execution ----

type Execute = (args: ExecutionArgs) => unknown;

interface Identified {
  approach: string;
  namespace: string;
  name: string;
}

/** The same error at the list item's path: ["pipeline", ...rest] becomes [key, index, ...rest]. */
function atItem(error: GraphQLError, key: string, index: number): GraphQLError {
  const path = error.path ? [key, index, ...error.path.slice(1)] : undefined;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path, originalError: error.originalError, extensions: error.extensions });
}

// Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, graphql 16's execute (no @defer/@stream) always gives one ExecutionResult object; the guard only narrows the type
const isPlainResult = (value: unknown): value is ExecutionResult => typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);

/**
 * How many parts of one listing execute at once. Parts read the in-memory store, so running
 * more at once overlaps no waiting; it only keeps more half-built answers alive together, and
 * those outlive the young generation and cost full collections. On the bench's fleet, the
 * first listing of 1,000 parts after a start (four runs each, alternating, in-process): all at
 * once 1.27–1.82 s and 2.0–2.9 s of CPU, a third of it in the collector; 32 at a time
 * 0.93–1.33 s and 1.4–2.2 s of CPU.
 */
const PARTS_AT_ONCE = 32;

/** Runs work(0 … count-1), at most `atOnce` at a time, in index order; stops starting more after a failure. */
export async function inTurns(count: number, atOnce: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    try {
      while (next < count && !failed) await work(next++);
    } catch (error) {
      // The whole fails at once; the other workers take nothing more.
      failed = true;
      throw error;
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, count) }, worker));
}

/**
 * Answers planned `pipelines` and `pipeline` fields part by part (see the top of this file). `generation` is
 * the store's; the cache must already be fed the store's events.
 */
export function usePipelineParts(cache: PartCache, generation: () => number | null, compiled = new CompiledParts()): Plugin<GraphQLContext> {
  const plans = new WeakMap<DocumentNode, Map<string, Plan | null>>();
  const planFor = (document: DocumentNode, operationName: string | null | undefined): Plan | null => {
    let byOperation = plans.get(document);
    // Stryker disable next-line ConditionalExpression: equivalent, a new map only plans the operation again, to the same plan
    if (!byOperation) plans.set(document, (byOperation = new Map()));
    // Stryker disable next-line StringLiteral: equivalent, any key no operation name can be (a name is never empty, never holds spaces) keeps the anonymous operation apart
    const name = operationName ?? '';
    // Stryker disable next-line ConditionalExpression: equivalent, planning again gives the same plan; only the work differs
    if (!byOperation.has(name)) byOperation.set(name, planOf(document, operationName));
    return byOperation.get(name)!;
  };

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const context = args.contextValue as GraphQLContext;
      if (context.scope.identity !== undefined || !context.pipelinesThrough) return;
      const plan = planFor(args.document, args.operationName);
      if (!plan) return;
      const execute = executeFn as Execute;
      // Stryker disable next-line StringLiteral: equivalent, any key no operation name can be (a name is never empty, never holds spaces) keeps the anonymous operation apart
      const operationKey = args.operationName ?? '';
      // Keyed by the declared variables only: variables the operation does not declare change
      // nothing, and must not mint a new set of parts each (a client sending {"n":1}, {"n":2}…).
      const given = args.variableValues ?? {};
      // (A declared variable not sent is undefined here, and left out by JSON.stringify.)
      const declared = Object.fromEntries(plan.variables.map((name) => [name, given[name]]));
      const prefix = `${documentId(args.document)}\n${operationKey}\n${JSON.stringify(declared)}`;
      setExecuteFn((async (executionArgs: ExecutionArgs) => {
        if (generation() === null) return execute(executionArgs);
        /** One part: kept, or executed with its reads recorded (and kept when exact). */
        const part = async (key: string, document: DocumentNode, variableValues: ExecutionArgs['variableValues'], field: string, compile: boolean) => {
          const kept = cache.get(key);
          if (kept) {
            countPipelinePart('kept');
            return { value: () => cache.valueOf(key, kept), text: kept.json, errors: [] as readonly GraphQLError[], executed: true };
          }
          const recorder = new ReadRecorder();
          const service = context.pipelinesThrough!((reader) => recorder.wrap(reader));
          const partContext = Object.create(context, { pipelines: { value: service } }) as GraphQLContext;
          let unchanged = false;
          let result: unknown;
          const flight = cache.takeOff(recorder);
          try {
            const partArgs: ExecutionArgs = { ...executionArgs, document, contextValue: partContext, variableValues };
            if (compile) result = await compiled.execute(partArgs, execute);
            else {
              countPipelinePart('interpreted');
              result = await execute(partArgs);
            }
          } finally {
            unchanged = cache.land(flight);
          }
          // A read that failed or was refused (deadline, client gone) may have become data
          // without an error (a health of UNKNOWN, "could not be read"): not exact, not kept.
          const exact = unchanged && !service.loaders.failed;
          if (!isPlainResult(result)) throw new Error('A pipeline part did not execute to one result.');
          const value = result.data ? (result.data[field] ?? null) : null;
          const text = JSON.stringify(value);
          const errors = result.errors ?? [];
          // A source read live meanwhile (generation null) keeps nothing.
          if (!errors.length && exact && generation() !== null) cache.set(key, text, recorder);
          // No data at all: the request failed before execution (a variable of the wrong type).
          return { value: () => value, text, errors, executed: result.data !== undefined };
        };
        // A planned listing is priced below, with the client's selection; the skeleton's cut one
        // is not. Any other listing in the skeleton (one with a directive, one reading
        // freshness) is the client's own field, priced as part of the client's operation.
        const price = context.priceListing;
        const skeletonPrice: GraphQLContext['priceListing'] =
          price && ((at, count) => (at.fieldNodes.some((node) => plan.cut.has(node)) ? undefined : price({ ...at, operation: plan.operation }, count)));
        const skeletonContext = Object.create(context, { priceListing: { value: skeletonPrice } }) as GraphQLContext;
        const skeleton = plan.skeleton ? await execute({ ...executionArgs, document: plan.skeleton, contextValue: skeletonContext }) : { data: {} };
        if (!isPlainResult(skeleton)) return skeleton;
        // A non-null root field failed: the whole answer is null, with every field's errors, as a full execution gives them.
        if (!skeleton.data) return plan.ones.length ? execute(executionArgs) : skeleton;
        for (const planned of plan.fields) {
          const items = skeleton.data[planned.key];
          if (!Array.isArray(items)) continue;
          try {
            context.priceListing?.({ operation: plan.operation, fragments: plan.fragments, fieldNodes: [planned.list] }, items.length);
          } catch (error) {
            // Refused before any part runs; the non-null list takes the whole answer with it, as in a full execution.
            return { errors: [...(skeleton.errors ?? []), locatedError(error, [planned.list], [planned.key])], data: null } satisfies ExecutionResult;
          }
        }
        // Each planned field's value, read only when the answer has errors (then it is
        // encoded from values); without errors it is written from the parts' texts.
        const values = new Map<string, () => unknown>();
        const texts = new Map<string, string>();
        const errors: GraphQLError[] = [...(skeleton.errors ?? [])];
        let failedBeforeExecution = false;
        const ones = plan.ones.map(async (one) => {
          // A root pipeline's document is executed once per request: not worth compiling.
          const answer = await part(`${prefix}\n${one.key}`, one.part, executionArgs.variableValues, one.key, false);
          failedBeforeExecution ||= !answer.executed;
          values.set(one.key, answer.value);
          texts.set(one.key, answer.text);
          errors.push(...answer.errors);
        });
        const lists = plan.fields.map(async (planned) => {
          const items = skeleton.data![planned.key] as (Identified | null)[] | null | undefined;
          if (!Array.isArray(items)) return;
          const itemTexts: string[] = new Array(items.length);
          const itemValues: (() => unknown)[] = new Array(items.length);
          const answerItem = async (index: number) => {
            const item = items[index]!;
            if (item === null) {
              itemTexts[index] = 'null';
              itemValues[index] = () => null;
              return;
            }
            const answer = await part(
              `${prefix}\n${planned.key}\n${item.approach}\n${item.namespace}\n${item.name}`,
              planned.part,
              { ...executionArgs.variableValues, [planned.approachVar]: item.approach, [planned.nameVar]: item.name, [planned.namespaceVar]: item.namespace },
              ONE_FIELD,
              // One document for every item of a long listing: compiled once, run for each.
              items.length >= compiled.minItems,
            );
            itemTexts[index] = answer.text;
            itemValues[index] = answer.value;
            for (const error of answer.errors) errors.push(atItem(error, planned.key, index));
          };
          await inTurns(items.length, PARTS_AT_ONCE, answerItem);
          values.set(planned.key, () => itemValues.map((value) => value()));
          texts.set(planned.key, `[${itemTexts.join(',')}]`);
        });
        await Promise.all([...ones, ...lists]);
        // Without a skeleton nothing checked the variables first: the request's own errors, as a full execution gives them.
        if (failedBeforeExecution) return execute(executionArgs);
        // The answer lists its fields in the order the operation asks for them.
        if (errors.length) {
          // No prototype: a response key may be `__proto__`, which on a plain object would set the prototype instead.
          const data: Record<string, unknown> = Object.create(null);
          for (const key of plan.keys) data[key] = values.has(key) ? values.get(key)!() : skeleton.data[key];
          return { errors, data } satisfies ExecutionResult;
        }
        return fromText(encode(plan.keys, skeleton.data, texts));
      }) as typeof executeFn);
    },
  };
}

/**
 * The answer's JSON from the texts of its parts: `{"data":{...}}` with the root fields in the
 * order of `keys`, each planned field written as its part's text (a list as the join of its
 * items' texts), so kept parts are not encoded again, and any other field from the skeleton's
 * answer.
 */
function encode(keys: readonly string[], skeleton: Record<string, unknown>, spliced: ReadonlyMap<string, string>): string {
  // Placeholders no answer can hold: a fresh random token per answer.
  const token = `\u0000part-${randomUUID()}-`;
  const placeholders = new Map<string, string>();
  // No prototype, as for `data` above.
  const withPlaceholders: Record<string, unknown> = Object.create(null);
  let i = 0;
  for (const key of keys) {
    const text = spliced.get(key);
    if (text !== undefined) {
      // Stryker disable next-line UpdateOperator: equivalent, counting down also gives each field its own placeholder
      const placeholder = `${token}${i++}`;
      placeholders.set(JSON.stringify(placeholder), text);
      withPlaceholders[key] = placeholder;
    } else withPlaceholders[key] = skeleton[key];
  }
  let json = JSON.stringify({ data: withPlaceholders });
  for (const [placeholder, text] of placeholders) json = json.replace(placeholder, () => text);
  return json;
}

/** A part cache fed by a source's change feed for as long as the app lives. */
export function partCacheFed(maxBytes: number, subscribe: (listener: (event: SourceEvent) => void) => () => void): PartCache {
  const cache = new PartCache(maxBytes);
  subscribe((event) => cache.apply(event));
  return cache;
}
