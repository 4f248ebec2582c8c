import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { countPipelinePart } from '../metrics.js';

/**
 * A listing's part document, compiled once to JavaScript (graphql-jit) and run for every
 * pipeline of the listing.
 *
 * A `pipelines` answer over a fleet executes one part document a thousand times with
 * different variables: ~250,000 fields, where the interpreting executor spends most of its
 * time walking the document again for every field of every part (measured on the bench's
 * fleet: the first listing after start took 1.3-1.5 s with the interpreter, 0.7-1.0 s
 * compiled). A compiled document walks nothing: it is one function per selection.
 *
 * Only answers without errors are taken from it. An answer with an error is executed again
 * by the interpreter, so every error a client sees (message, path, locations, extensions,
 * partial data) is the one a full execution gives, whichever executor ran first. The
 * resolvers only read, so running a part twice costs time, nothing else. A document the
 * compiler refuses is always interpreted.
 */
export class CompiledParts {
  private readonly compiled = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, CompiledQuery | null>>();
  /** `count` is told how each part was answered (by default, /metrics is). */
  constructor(private readonly count: (how: 'compiled' | 'interpreted') => void = countPipelinePart) {}

  /** Executes `args` compiled where that answers without errors, else through `interpret`. */
  async execute(args: ExecutionArgs, interpret: (args: ExecutionArgs) => unknown): Promise<unknown> {
    const query = this.compiledFor(args.schema, args.document, args.operationName);
    if (query) {
      const result: ExecutionResult = await query.query(args.rootValue, args.contextValue, args.variableValues ?? {});
      if (result.errors === undefined || result.errors.length === 0) {
        this.count('compiled');
        return result;
      }
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
      try {
        const compiled = compileQuery(schema, document, operationName ?? undefined);
        if (isCompiledQuery(compiled)) query = compiled;
      } catch {
        // Left to the interpreter, which reports whatever is wrong with it.
      }
      bySchema.set(document, query);
    }
    return query;
  }
}
