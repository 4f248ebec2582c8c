import { parseAllDocuments, YAMLError } from 'yaml';

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

export function formatYamlProblem(p: YamlProblem): string {
  return p.line === null ? p.description : `line ${p.line}, column ${p.column}: ${p.description}`;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function describeCode(code: string): string {
  return code.toLowerCase().replaceAll('_', ' ');
}

/** Nesting depth of flow and block collections, measured on the text without recursion. */
function exceedsDepth(text: string, maxDepth: number): boolean {
  let flow = 0;
  let maxIndent = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '[' || ch === '{') {
      if (++flow > maxDepth) return true;
    } else if (ch === ']' || ch === '}') {
      flow = Math.max(0, flow - 1);
    } else if (ch === '\n') {
      let indent = 0;
      while (text[i + 1 + indent] === ' ' || text[i + 1 + indent] === '-') indent++;
      maxIndent = Math.max(maxIndent, indent);
    }
  }
  // Block nesting needs at least one column per level.
  return maxIndent > maxDepth;
}

export function parseYamlDocuments(text: string, options: SafeYamlOptions): ParsedDocument[] {
  if (text.length > options.maxLength) {
    throw new YamlParseError({
      line: null,
      column: null,
      description: `document is ${text.length} characters long, over the limit of ${options.maxLength}`,
    });
  }
  if (exceedsDepth(text, options.maxDepth)) {
    throw new YamlParseError({
      line: null,
      column: null,
      description: `document nests deeper than ${options.maxDepth} levels`,
    });
  }
  // prettyErrors only adds line positions here; its quoted-source text is never used.
  const documents = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [];
  const result: ParsedDocument[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0];
      throw new YamlParseError({
        line: pos?.line ?? lineOf(text, error.pos[0]),
        column: pos?.col ?? null,
        description: describeCode(error.code),
      });
    }
    const line = lineOf(text, doc.contents?.range[0] ?? doc.range[0]);
    try {
      result.push({ value: doc.toJS({ maxAliasCount: options.maxAliasCount }), line });
    } catch (e) {
      const description =
        e instanceof YAMLError
          ? describeCode(e.code)
          : options.maxAliasCount === 0
            ? 'anchors and aliases are not allowed here'
            : 'too many aliases (possible resource exhaustion)';
      throw new YamlParseError({ line, column: null, description });
    }
  }
  return result;
}
