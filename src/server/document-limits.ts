import {
  GraphQLError,
  Kind,
  Lexer,
  parse,
  Source,
  TokenKind,
  type DocumentNode,
  type FieldNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Bounds on a GraphQL document that are checked before it costs anything: before the
 * recursive parser builds it, before validation (whose overlapping-fields rule is
 * quadratic in fields sharing a response name) looks at it, and before it is cached.
 */
export interface DocumentLimits {
  /** Lexical tokens (comments excluded) in the document. */
  maxTokens: number;
  /** Deepest field nesting; brackets may nest a few levels more (arguments, lists). */
  maxDepth: number;
  /**
   * Field selections in the document (fragments counted where defined), a field that is
   * repeated in one selection set counting more: see checkDocumentShape.
   */
  maxFields: number;
  /** Named fragment definitions. */
  maxFragments: number;
  maxAliases: number;
}

/**
 * Brackets allowed beyond maxDepth: the operation's own braces, argument parentheses and
 * list or object literals. The parser recurses once per bracket level; this keeps that
 * recursion a few dozen frames deep whatever the document.
 */
export const BRACKET_MARGIN = 8;

export type DocumentLimitCode = 'TOO_MANY_TOKENS' | 'QUERY_TOO_DEEP' | 'TOO_MANY_FIELDS' | 'TOO_MANY_FRAGMENTS' | 'TOO_MANY_ALIASES';

/** A refused document. `limit` names the bound for metrics; nothing of the document is echoed. */
export class DocumentLimitError extends GraphQLError {
  constructor(
    readonly code: DocumentLimitCode,
    message: string,
    limit: number,
    actual?: number,
  ) {
    super(message, { extensions: actual === undefined ? { code, limit } : { code, actual, limit } });
  }
}

/**
 * One pass of graphql-js's lexer (iterative, no tree built): counts tokens and bracket
 * nesting, and stops at the first token over either bound. Syntax errors the lexer finds
 * are GraphQL's own parse errors.
 */
export function scanDocument(source: string, limits: Pick<DocumentLimits, 'maxTokens' | 'maxDepth'>): void {
  const lexer = new Lexer(new Source(source));
  const maxNesting = limits.maxDepth + BRACKET_MARGIN;
  let tokens = 0;
  let nesting = 0;
  for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
    if (++tokens > limits.maxTokens) {
      throw new DocumentLimitError('TOO_MANY_TOKENS', `The document has more than ${limits.maxTokens} tokens, the limit.`, limits.maxTokens);
    }
    if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) {
      if (++nesting > maxNesting) {
        throw new DocumentLimitError(
          'QUERY_TOO_DEEP',
          `The document nests brackets more than ${maxNesting} levels deep (at line ${token.line}, column ${token.column}); the depth limit is ${limits.maxDepth}.`,
          limits.maxDepth,
        );
      }
    } else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) {
      nesting--;
    }
  }
}

/**
 * Counts over the parsed document with an explicit stack (no recursion): aliases,
 * fragments, and fields weighted by what validation will do with them. graphql-js's
 * overlapping-fields rule compares every pair of fields sharing a response name in a
 * selection set (inline fragments merged in), and for each pair compares their
 * sub-selections again: n duplicates cost n·(n-1)/2 comparisons, and everything under a
 * field with n duplicates is looked at about n times. So each field counts once, times the
 * duplicates above it, plus the pairs its duplicates form. A document without duplicates
 * counts exactly its fields.
 */
export function checkDocumentShape(document: DocumentNode, limits: DocumentLimits): void {
  let weighted = 0;
  let aliases = 0;
  let fragments = 0;
  const pending: [SelectionSetNode, number][] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments++;
    if ('selectionSet' in definition && definition.selectionSet) pending.push([definition.selectionSet, 1]);
  }
  if (fragments > limits.maxFragments) {
    throw new DocumentLimitError('TOO_MANY_FRAGMENTS', `The document defines ${fragments} fragments, over the limit of ${limits.maxFragments}.`, limits.maxFragments, fragments);
  }
  const tooMany = (): never => {
    throw new DocumentLimitError(
      'TOO_MANY_FIELDS',
      `The document selects more than ${limits.maxFields} fields (a field repeated n times in one selection set counts n times over, with everything under it).`,
      limits.maxFields,
    );
  };
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [set, factor] = next;
    // Inline fragments merge into the selection set that holds them, as validation sees it.
    const fields: FieldNode[] = [];
    const merged: SelectionSetNode[] = [set];
    for (let part = merged.pop(); part; part = merged.pop()) {
      for (const selection of part.selections) {
        if (selection.kind === Kind.INLINE_FRAGMENT) merged.push(selection.selectionSet);
        else if (selection.kind === Kind.FIELD) fields.push(selection);
      }
    }
    const byResponseName = new Map<string, number>();
    for (const field of fields) {
      if (field.alias) aliases++;
      const responseName = (field.alias ?? field.name).value;
      const same = (byResponseName.get(responseName) ?? 0) + 1;
      byResponseName.set(responseName, same);
      // The field itself, and one comparison with each earlier field of its name.
      weighted += factor * same;
      if (weighted > limits.maxFields) tooMany();
    }
    for (const field of fields) {
      if (field.selectionSet) pending.push([field.selectionSet, factor * byResponseName.get((field.alias ?? field.name).value)!]);
    }
  }
  // Counted whole (fields bound the count), so the message gives the actual number.
  if (aliases > limits.maxAliases) {
    throw new DocumentLimitError('TOO_MANY_ALIASES', `Query alias count is ${aliases}, over the limit of ${limits.maxAliases}.`, limits.maxAliases, aliases);
  }
}

/** Scan, parse (with graphql-js's own token limit as a second guard), then check the shape. */
export function parseBounded(source: string, limits: DocumentLimits): DocumentNode {
  scanDocument(source, limits);
  const document = parse(source, { maxTokens: limits.maxTokens });
  checkDocumentShape(document, limits);
  return document;
}

/**
 * An estimate of the heap a cached document holds: its source text, and the AST with the
 * token list it keeps for locations (measured at roughly 250 bytes per token in Node 20;
 * test/hostile-documents.test.ts checks the bound holds for the whole process).
 */
export function estimateDocumentBytes(source: string, document: DocumentNode): number {
  let tokens = 0;
  for (let token = document.loc?.startToken ?? null; token; token = token.next) tokens++;
  return 2 * source.length + 256 * tokens + 512;
}

/**
 * Parsed and validated documents, least recently used first out, bounded by the sum of
 * their estimated sizes (not by count: one count would allow a thousand large documents).
 */
export class DocumentCache {
  private readonly entries = new Map<string, { document: DocumentNode; bytes: number }>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  get(source: string): DocumentNode | undefined {
    const entry = this.entries.get(source);
    if (!entry) return undefined;
    // Re-insert: Map keeps insertion order, so the first key is the least recently used.
    this.entries.delete(source);
    this.entries.set(source, entry);
    return entry.document;
  }

  set(source: string, document: DocumentNode): void {
    if (this.entries.has(source)) return;
    const bytes = estimateDocumentBytes(source, document);
    if (bytes > this.maxBytes / 4) return; // never let one document take over the cache
    this.entries.set(source, { document, bytes });
    this.total += bytes;
    for (const [key, entry] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(key);
      this.total -= entry.bytes;
    }
  }
}
