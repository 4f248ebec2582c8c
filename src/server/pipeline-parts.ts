import {
  GraphQLError,
  Kind,
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
import type { GraphQLContext } from '../schema/context.js';
import { withEncoding } from './result-cache.js';

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
 * then costs one pipeline's part, not the whole answer.
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
 * Anything else (a root fragment spread, a directive on `pipelines`, the same response key
 * twice, a mutation or subscription) is executed as before.
 */

/** The root field answered part by part, and the field that answers one of its items. */
const LIST_FIELD = 'pipelines';
const ONE_FIELD = 'pipeline';
/** The fields that identify a listed pipeline: the arguments of `pipeline(...)`. */
const IDENTITY_FIELDS = ['approach', 'namespace', 'name'] as const;
/** A field whose value changes without any object changing. */
const TIME_DEPENDENT_FIELD = 'freshness';

interface PlannedField {
  /** The response key of the `pipelines` field (its alias or name). */
  key: string;
  /** `query(<the operation's variables>, $a, $n, $ns) { pipeline(approach: $a, name: $n, namespace: $ns) { <the field's selection> } }` */
  part: DocumentNode;
  approachVar: string;
  nameVar: string;
  namespaceVar: string;
}

interface Plan {
  /** The document with each planned field's selection cut to the identifying fields. */
  skeleton: DocumentNode;
  fields: PlannedField[];
}

/** One kept part: a pipeline's answer to one field of one document with one set of variables. */
interface Part {
  data: unknown;
  json: string;
  recorder: ReadRecorder;
  bytes: number;
}

/** Estimated bytes of a kept part: its JSON text and the objects parsed from it (see result-cache.ts). */
const estimateBytes = (json: string, key: string): number => 5 * json.length + 2 * key.length;

/**
 * Kept parts, bounded by estimated bytes (least recently used dropped first), each dropped
 * as soon as a store change concerns something it read. Parts are found for a change through
 * the (kind, namespace) of their reads, so a change costs the parts that read its namespace,
 * not all of them.
 */
/** A part being executed: spoiled when a change concerns something it has read so far. */
export interface Flight {
  readonly recorder: ReadRecorder;
  spoiled: boolean;
}

/**
 * How many (change, part in flight) pairs are checked one by one before every part in flight
 * is simply spoiled: a relist of 100,000 objects during a `pipelines` over 1,000 pipelines
 * would otherwise check 10^8 pairs on the event loop.
 */
const FLIGHT_CHECK_BUDGET = 100_000;

export class PartCache {
  private readonly parts = new Map<string, Part>();
  private readonly flights = new Set<Flight>();
  /** Pairs checked since no part was in flight (see FLIGHT_CHECK_BUDGET). */
  private flightChecks = 0;
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

  set(key: string, data: unknown, json: string, recorder: ReadRecorder): void {
    const bytes = estimateBytes(json, key);
    if (bytes > this.maxBytes / 4) return;
    this.drop(key);
    this.parts.set(key, { data, json, recorder, bytes });
    this.held += bytes;
    for (const scope of scopesOf(recorder)) {
      let keys = this.byScope.get(scope);
      if (!keys) this.byScope.set(scope, (keys = new Set()));
      keys.add(key);
    }
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
    const flight = { recorder, spoiled: false };
    this.flights.add(flight);
    return flight;
  }

  /** The part ended; true when nothing it read changed meanwhile (it may be kept). */
  land(flight: Flight): boolean {
    this.flights.delete(flight);
    if (this.flights.size === 0) this.flightChecks = 0;
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
    this.flightChecks += this.flights.size;
    for (const flight of this.flights) {
      if (this.flightChecks > FLIGHT_CHECK_BUDGET || flight.recorder.concerns(change)) flight.spoiled = true;
    }
    for (const namespace of changeNamespaces(change)) {
      const keys = this.byScope.get(scopeKey(change.kind, namespace));
      if (!keys) continue;
      for (const key of [...keys]) {
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
  for (const selection of operation.selectionSet.selections) {
    // A root fragment may hold `pipelines` too, and merging it with a planned field is the executor's business.
    if (selection.kind !== Kind.FIELD) return null;
    const key = selection.alias?.value ?? selection.name.value;
    if (keys.has(key)) return null;
    keys.add(key);
    if (selection.name.value !== LIST_FIELD) continue;
    if (selection.directives?.length || !selection.selectionSet) return null;
    if (selects(selection.selectionSet, fragments, TIME_DEPENDENT_FIELD)) return null;
    listed.push(selection);
  }
  if (listed.length === 0) return null;
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
      part: { kind: Kind.DOCUMENT, definitions: [partOperation, ...otherDefinitions] },
      approachVar,
      nameVar,
      namespaceVar,
    };
  });
  const skeletonOperation: OperationDefinitionNode = {
    ...operation,
    selectionSet: {
      ...operation.selectionSet,
      selections: operation.selectionSet.selections.map((s) =>
        listed.includes(s as FieldNode) ? { ...(s as FieldNode), selectionSet: { kind: Kind.SELECTION_SET, selections: IDENTITY_FIELDS.map(field) } } : s,
      ),
    },
  };
  return { skeleton: { kind: Kind.DOCUMENT, definitions: document.definitions.map((d) => (d === operation ? skeletonOperation : d)) }, fields };
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
 * Answers planned `pipelines` fields part by part (see the top of this file). `generation` is
 * the store's; the cache must already be fed the store's events.
 */
export function usePipelineParts(cache: PartCache, generation: () => number | null): Plugin<GraphQLContext> {
  const plans = new WeakMap<DocumentNode, Map<string, Plan | null>>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextId = 0;
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
  const idOf = (document: DocumentNode): number => {
    let id = documentIds.get(document);
    // Stryker disable next-line UpdateOperator: equivalent, counting down gives each document a distinct id too
    if (id === undefined) documentIds.set(document, (id = nextId++));
    return id;
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
      const prefix = `${idOf(args.document)}\n${operationKey}\n${JSON.stringify(args.variableValues ?? null)}`;
      setExecuteFn((async (executionArgs: ExecutionArgs) => {
        if (generation() === null) return execute(executionArgs);
        const skeleton = await execute({ ...executionArgs, document: plan.skeleton });
        if (!isPlainResult(skeleton) || !skeleton.data) return skeleton;
        const data: Record<string, unknown> = { ...skeleton.data };
        const errors: GraphQLError[] = [...(skeleton.errors ?? [])];
        const spliced = new Map<string, string[]>();
        for (const planned of plan.fields) {
          const items = data[planned.key] as (Identified | null)[] | null | undefined;
          if (!Array.isArray(items)) continue;
          const texts: string[] = new Array(items.length);
          const values: unknown[] = await Promise.all(
            items.map(async (item, index) => {
              if (item === null) {
                texts[index] = 'null';
                return null;
              }
              const key = `${prefix}\n${planned.key}\n${item.approach}\n${item.namespace}\n${item.name}`;
              const kept = cache.get(key);
              if (kept) {
                texts[index] = kept.json;
                return kept.data;
              }
              const recorder = new ReadRecorder();
              const flight = cache.takeOff(recorder);
              let unchanged = false;
              const partContext = Object.create(context, { pipelines: { value: context.pipelinesThrough!((reader) => recorder.wrap(reader)) } }) as GraphQLContext;
              let result: unknown;
              try {
                result = await execute({
                  ...executionArgs,
                  document: planned.part,
                  contextValue: partContext,
                  variableValues: { ...executionArgs.variableValues, [planned.approachVar]: item.approach, [planned.nameVar]: item.name, [planned.namespaceVar]: item.namespace },
                });
              } finally {
                unchanged = cache.land(flight);
              }
              if (!isPlainResult(result)) throw new Error('A pipeline part did not execute to one result.');
              const value = result.data ? (result.data[ONE_FIELD] ?? null) : null;
              texts[index] = JSON.stringify(value);
              if (result.errors?.length) for (const error of result.errors) errors.push(atItem(error, planned.key, index));
              // A source read live meanwhile (generation null) keeps nothing.
              else if (unchanged && generation() !== null) cache.set(key, value, texts[index]!, recorder);
              return value;
            }),
          );
          data[planned.key] = values;
          spliced.set(planned.key, texts);
        }
        const result: ExecutionResult = errors.length ? { errors, data } : { data };
        if (errors.length) return result;
        return withEncoding(result, encode(data, spliced));
      }) as typeof executeFn);
    },
  };
}

/**
 * The answer's JSON from the kept texts of its parts: `{"data":{...}}` with each planned list
 * written as the join of its items' texts, so unchanged parts are not encoded again.
 */
// Stryker disable next-line BlockStatement: equivalent, withEncoding given no text encodes the same data with JSON.stringify; only the work of encoding kept parts again differs
function encode(data: Record<string, unknown>, spliced: ReadonlyMap<string, string[]>): string {
  // Placeholders no answer can hold: a fresh random token per answer.
  const token = `\u0000part-${randomUUID()}-`;
  const placeholders = new Map<string, string>();
  const withPlaceholders: Record<string, unknown> = {};
  let i = 0;
  for (const [key, value] of Object.entries(data)) {
    const texts = spliced.get(key);
    // Stryker disable next-line ConditionalExpression: equivalent, the lists are then encoded from their values, to the same text the kept texts join to; only the work differs
    if (texts) {
      // Stryker disable next-line UpdateOperator: equivalent, counting down also gives each list its own placeholder
      const placeholder = `${token}${i++}`;
      placeholders.set(JSON.stringify(placeholder), `[${texts.join(',')}]`);
      withPlaceholders[key] = placeholder;
    } else withPlaceholders[key] = value;
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
