import { Composer, LineCounter, Parser, YAMLError, type CST } from 'yaml';

/**
 * YAML parsing for input we do not control. The parser's own messages quote source
 * lines (which may hold anything, secrets included), so failures are reported as a
 * position and a fixed description of the problem, never the parser's text.
 */
export interface YamlProblem {
  line: number | null;
  column: number | null;
  description: string;
}

export class YamlParseError extends Error {
  override readonly name = 'YamlParseError';
  constructor(readonly problem: YamlProblem) {
    super(formatYamlProblem(problem));
  }
}

export interface SafeYamlOptions {
  /** Reject input longer than this many characters before parsing it. */
  maxLength: number;
  /** 0 turns anchors/aliases off entirely (no billion laughs). */
  maxAliasCount: number;
  /** Reject documents nested deeper than this (no stack exhaustion on 5,000 levels). */
  maxDepth: number;
}

export interface ParsedDocument {
  value: unknown;
  /** 1-based line where the document starts. */
  line: number;
}

/** "line L, column C: …", "line L: …" or just the description: a position is a number or absent. */
export function formatYamlProblem(p: YamlProblem): string {
  if (p.line === null) return p.description;
  return p.column === null ? `line ${p.line}: ${p.description}` : `line ${p.line}, column ${p.column}: ${p.description}`;
}

function describeCode(code: string): string {
  return code.toLowerCase().replaceAll('_', ' ');
}

/**
 * The offset of the first collection nested deeper than `maxDepth`, or null. Walks the
 * parser's syntax tree with an explicit stack: the parser itself does not recurse, the
 * composer that turns the tree into values does, so depth is checked in between. On the
 * tree, brackets inside strings or block scalars and indentation are not mistaken for
 * nesting, and block nesting on one line (`- - - x`, `? ? x`) is not missed.
 */
function tooDeepAt(tokens: CST.Token[], maxDepth: number): number | null {
  const pending: [CST.Token, number][] = tokens.map((token) => [token, 0]);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [token, depth] = next;
    if (token.type === 'document') {
      if (token.value) pending.push([token.value, depth]);
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > maxDepth) return token.offset;
      for (const item of token.items) {
        if ('key' in item && item.key) pending.push([item.key, depth + 1]);
        if (item.value) pending.push([item.value, depth + 1]);
      }
    }
  }
  return null;
}

export function parseYamlDocuments(text: string, options: SafeYamlOptions): ParsedDocument[] {
  if (text.length > options.maxLength) {
    throw new YamlParseError({
      line: null,
      column: null,
      description: `document is ${text.length} characters long, over the limit of ${options.maxLength}`,
    });
  }
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  const deep = tooDeepAt(tokens, options.maxDepth);
  if (deep !== null) {
    const { line, col } = lines.linePos(deep);
    throw new YamlParseError({ line, column: col, description: `document nests deeper than ${options.maxDepth} levels` });
  }
  const documents = Array.from(new Composer({ uniqueKeys: true }).compose(tokens));
  const result: ParsedDocument[] = [];
  for (const doc of documents) {
    // The parser's own messages quote the source: only the position and the error code leave here.
    const error = doc.errors[0];
    if (error) {
      const { line, col } = lines.linePos(error.pos[0]);
      throw new YamlParseError({ line, column: col, description: describeCode(error.code) });
    }
    const { line, col } = lines.linePos(doc.contents?.range[0] ?? doc.range[0]);
    try {
      result.push({ value: doc.toJS({ maxAliasCount: options.maxAliasCount }), line });
    } catch (e) {
      const description =
        e instanceof YAMLError
          ? describeCode(e.code)
          : options.maxAliasCount === 0
            ? 'anchors and aliases are not allowed here'
            : 'too many aliases (possible resource exhaustion)';
      // The position of the document: the alias expansion has no narrower one.
      throw new YamlParseError({ line, column: col, description });
    }
  }
  return result;
}
