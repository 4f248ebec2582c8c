import { Kind, parse, print, visit, BREAK, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { countPipelinePart } from '../metrics.js';

/**
 * A listing's part document, compiled once to JavaScript (graphql-jit) and run for every
 * pipeline of the listing.
 *
 * A `pipelines` answer over a fleet executes one part document a thousand times with
 * different variables: ~250,000 fields, where the interpreting executor spends most of its
 * time walking the document again for every field of every part. Measured on the bench's
 * fleet, in-process: a listing none of whose parts was kept took a median of 0.94 s
 * interpreted and 0.63 s compiled. A compiled document walks nothing: it is one function per
 * selection.
 *
 * graphql-jit is not graphql-js, so only what it answers exactly as the executor does is
 * taken from it:
 * - a document is compiled only when it is plain (see `plain`): graphql-jit evaluates
 *   `@include`/`@skip` differently (a fragment skipped once is skipped everywhere, a null
 *   condition is no error) and writes its conditions into the syntax tree it is given; it
 *   writes literal argument values into the code it generates, with replacements of its own
 *   applied to them; and it builds objects as literals, where a `__proto__` key is lost. A
 *   document that is not plain, or that the compiler refuses, is always interpreted.
 * - it compiles a copy of the document, never the client's tree (which the document cache
 *   hands to every request with the same text);
 * - only answers without errors are taken from it. An answer with an error is executed again
 *   by the interpreter, so every error a client sees (message, path, locations, extensions,
 *   partial data) is the one a full execution gives. The resolvers only read, so running a
 *   part twice costs time, nothing else.
 * One thing graphql-jit does not guard: a type's `isTypeOf` or `resolveType` that throws
 * after a resolver's promise leaves the compiled run unsettled. This schema's (release.ts,
 * node.ts) compare a field of a non-null value or look it up in a WeakMap, and cannot throw
 * (compiled-parts.test.ts checks them on odd values).
 *
 * Compiling costs milliseconds (2-10 ms for the bench's selections, several times that for
 * a selection of every field), so it is only worth it for a listing of many pipelines:
 * `minItems` (see pipeline-parts.ts).
 *
 * The one visible difference: a compiled part writes an object's fields in the document's
 * order, the executor in the order they finish (the data are the same).
 */
export class CompiledParts {
  private readonly compiled = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, CompiledQuery | null>>();
  /** Compiled runs with errors, by document: past MAX_COMPILED_FAILURES the document is interpreted. */
  private readonly failures = new WeakMap<CompiledQuery, number>();

  /**
   * `minItems`: the smallest listing whose part is compiled. `count` is told how each part
   * was answered (by default, /metrics is).
   */
  constructor(
    readonly minItems = DEFAULT_MIN_ITEMS,
    private readonly count: (how: 'compiled' | 'interpreted') => void = countPipelinePart,
  ) {}

  /** Executes `args` compiled where that answers without errors, else through `interpret`. */
  async execute(args: ExecutionArgs, interpret: (args: ExecutionArgs) => unknown): Promise<unknown> {
    const query = this.compiledFor(args.schema, args.document, args.operationName);
    if (query) {
      let result: ExecutionResult | undefined;
      try {
        result = await query.query(args.rootValue, args.contextValue, args.variableValues ?? {});
      } catch {
        // The interpreter below gives whatever error this is, as a full execution would.
      }
      // Stryker disable next-line ConditionalExpression: equivalent but for work, graphql-jit leaves errors out of an answer without any (an empty list would only be run again)
      if (result && (result.errors === undefined || result.errors.length === 0)) {
        this.count('compiled');
        return result;
      }
      // Parts that keep failing (a namespace the service may not read, a non-null variable with
      // a default, which graphql-jit does not apply) would cost two runs each on every listing.
      const failures = (this.failures.get(query) ?? 0) + 1;
      this.failures.set(query, failures);
      if (failures >= MAX_COMPILED_FAILURES) this.compiled.get(args.schema)!.set(args.document, null);
    }
    this.count('interpreted');
    return interpret(args);
  }

  /** A part document is one operation's (see planOf), so the document alone keys its compiled form. */
  private compiledFor(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): CompiledQuery | null {
    let bySchema = this.compiled.get(schema);
    if (!bySchema) this.compiled.set(schema, (bySchema = new WeakMap()));
    let query = bySchema.get(document);
    if (query === undefined) {
      query = null;
      if (plain(document)) {
        try {
          const compiled = compileQuery(schema, parse(print(document)), operationName ?? undefined);
          // Stryker disable next-line ConditionalExpression: equivalent but for work, a refusal kept as the query has no query function: its every run throws, is caught and interpreted, until given up
          if (isCompiledQuery(compiled)) query = compiled;
        } catch {
          // Left to the interpreter, which reports whatever is wrong with it.
        }
      }
      bySchema.set(document, query);
    }
    return query;
  }
}

/** Compiled runs of one document that may end in errors before it is only interpreted. */
export const MAX_COMPILED_FAILURES = 32;

/** Below this many pipelines a listing's part is interpreted: compiling would cost more than it saves. */
export const DEFAULT_MIN_ITEMS = 64;

/**
 * Whether graphql-jit answers this document exactly as the executor does: no directive
 * anywhere, every argument a variable (no literal is written into generated code), no
 * response key beginning with two underscores. Variables' default values are fine: the
 * compiler writes them as JSON.
 */
export function plain(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive() {
      found = true;
      return BREAK;
    },
    Argument(node) {
      if (node.value.kind !== Kind.VARIABLE) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
    Field(node) {
      if (node.alias?.value.startsWith('__')) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return !found;
}
