import jsyaml from 'js-yaml';

/**
 * A parser for the narrow, regular YAML that kubectl and other programs write (block
 * mappings and sequences, one scalar per line, `|` literals), several times quicker than
 * js-yaml on a large snapshot because it does nothing else.
 *
 * Its contract: for a text it accepts, the result is exactly what
 * `jsyaml.loadAll(text, undefined, { schema: CORE_SCHEMA, json: false })` returns (pinned
 * by block-yaml.test.ts against js-yaml on every YAML file of the repository and on a
 * generated fleet). Anything it does not fully understand (flow collections other than
 * `{}` and `[]`, anchors, aliases, tags, directives, scalars over several lines, folded
 * scalars, tabs, carriage returns, a BOM, unusual escapes, duplicate keys, comments where
 * a scalar might continue...) makes it answer null for the whole text, never a guess: the
 * caller then parses with js-yaml and, on an error, the careful parser that reports it.
 */

/**
 * The core schema's implicit types, in the order js-yaml tries them on a plain scalar
 * (block-yaml.test.ts checks the order against CORE_SCHEMA): resolution is js-yaml's own.
 */
const { types } = jsyaml as unknown as { types: Record<'null' | 'bool' | 'int' | 'float', jsyaml.Type> }; // public, missing from @types/js-yaml
export const IMPLICIT: readonly jsyaml.Type[] = [types.null, types.bool, types.int, types.float];

/**
 * Whether a non-empty plain scalar can resolve to anything but a string, from its first
 * character and length: null is `~`, `null`, `Null` or `NULL`; booleans are `true`, `True`,
 * `TRUE`, `false`, `False`, `FALSE`; numbers start with a digit, a sign or a dot (`.5`,
 * `.inf`, `.nan`). Every other scalar (most of them: names, kinds, keys, timestamps are
 * strings) skips the four resolvers. block-yaml.test.ts holds this against the resolvers.
 */
export function mayResolve(scalar: string): boolean {
  const code = scalar.charCodeAt(0);
  if ((code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2d || code === 0x2e) return true; // 0-9 + - .
  if (code === 0x7e) return scalar.length === 1; // ~
  // n N t T f F: null, true, false in their three spellings
  if (code === 0x6e || code === 0x4e || code === 0x74 || code === 0x54 || code === 0x66 || code === 0x46) return scalar.length === 4 || scalar.length === 5;
  return false;
}

/** A plain scalar's value under the core schema, exactly as js-yaml resolves it. */
export function resolvePlain(scalar: string): unknown {
  // Stryker disable next-line ConditionalExpression: a shortcut; the resolvers would answer the same
  if (!mayResolve(scalar)) return scalar;
  for (const type of IMPLICIT) {
    if (type.resolve(scalar)) return type.construct(scalar);
  }
  return scalar;
}

/** Thrown (one shared value, no stack to capture) when the text is not one this parser answers for. */
const NOT_MINE: unique symbol = Symbol('not mine');

/**
 * Characters refused anywhere: control characters but the line feed (tabs and carriage
 * returns included), what js-yaml calls non-printable, a BOM, the Unicode line and paragraph
 * separators and unpaired surrogates.
 */
const REFUSED = /[\x00-\x09\x0B-\x1F\x7F-\x9F\u2028\u2029\uFEFF\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** The same characters and every surrogate: one character class, which is quick to scan for. */
const SUSPECT = /[\x00-\x09\x0B-\x1F\x7F-\x9F\u2028\u2029\uD800-\uDFFF\uFEFF\uFFFE\uFFFF]/;

/**
 * Deeper nesting than this many collections is left to js-yaml, which refuses nesting past its
 * maxDepth (100): it counts one level per node, keys and scalars included, and for a scalar
 * in a sequence one more, so 98 collections can already be too deep there.
 */
const MAX_DEPTH = 97;

const SPACE = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;
const PIPE = 0x7c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Characters that may not start a plain key or value here. YAML gives most of them a
 * meaning (flow collections, comments, anchors, aliases, tags, block scalars, quotes,
 * directives, reserved); `-`, `?` and `:` start a plain scalar only when followed by a
 * non-space, which values allow for `-` (negative numbers) and nothing else does.
 */
const INDICATORS = new Set([...'-?:,[]{}#&*!|>\'"%@`'].map((c) => c.charCodeAt(0)));

/** The JSON escapes, which YAML's double-quoted style shares and JSON.parse decodes the same way. */
const JSON_ESCAPES = new Set([...'"\\/bfnrtu'].map((c) => c.charCodeAt(0)));

const isHex = (code: number) => (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);

const enum Chomp {
  Clip,
  Strip,
  Keep,
}

/**
 * Where a mapping or sequence sits, for skipping what the store never keeps (see
 * drop-unread.ts, whose cuts this repeats while parsing, so the skipped text is only
 * scanned for its indentation): `metadata.managedFields`, and every key of a pod template's
 * container but `name` and `image`, in a document or in the items of its top-level `items`.
 */
const enum Path {
  None,
  Root,
  Object,
  Items,
  Metadata,
  Spec,
  Template,
  PodSpec,
  Containers,
  Container,
  Dropped,
}

function childPath(path: Path, key: string): Path {
  switch (path) {
    case Path.Root:
      if (key === 'items') return Path.Items;
    // falls through: a document is an object too
    case Path.Object:
      return key === 'metadata' ? Path.Metadata : key === 'spec' ? Path.Spec : Path.None;
    case Path.Metadata:
      return key === 'managedFields' ? Path.Dropped : Path.None;
    case Path.Spec:
      return key === 'template' ? Path.Template : Path.None;
    case Path.Template:
      return key === 'spec' ? Path.PodSpec : Path.None;
    case Path.PodSpec:
      return key === 'containers' || key === 'initContainers' ? Path.Containers : Path.None;
    case Path.Container:
      return key === 'name' || key === 'image' ? Path.None : Path.Dropped;
    // Stryker disable next-line ConditionalExpression: without it the answer is undefined, which no case matches either
    default:
      return Path.None;
  }
}

class Reader {
  private readonly text: string;
  private readonly end: number;
  /** The current line: the next one holding content (blank and comment lines are skipped). */
  private lineStart = 0;
  private lineEnd = 0;
  /** Where the content starts: after the indentation, or after `- ` for a compact mapping in a sequence. */
  private at = 0;
  /** The column of `at`; -1 at the end of the text and on a document marker, which end every block. */
  private indent = 0;
  /** 0, or `-` for a `---` line, or `.` for a `...` line. */
  private marker = 0;
  /** Just after the colon of the key `key()` last found (a field: no object per key). */
  private keyEnd = 0;

  constructor(text: string) {
    this.text = text;
    this.end = text.length;
  }

  /** Moves to the first line from `from` that holds content. */
  private seek(from: number): void {
    const text = this.text;
    let start = from;
    // Stryker disable next-line EqualityOperator: at the end, an empty last line is skipped as blank
    while (start < this.end) {
      let lineEnd = text.indexOf('\n', start);
      if (lineEnd === -1) lineEnd = this.end;
      let at = start;
      // (A line ends at a line feed or past the text: neither is a space, a quote, a colon or a hash.)
      while (text.charCodeAt(at) === SPACE) at++;
      if (at === lineEnd || text.charCodeAt(at) === HASH) {
        start = lineEnd + 1;
        continue;
      }
      this.lineStart = start;
      this.lineEnd = lineEnd;
      this.at = at;
      this.indent = at - start;
      this.marker = 0;
      if (at === start) {
        const first = text.charCodeAt(at);
        if (text.startsWith('---', at) || text.startsWith('...', at)) {
          // A marker with anything after it on its line (`--- !tag`, `--- # c`), or a key like `---x:`: not ours.
          if (lineEnd - at !== 3) throw NOT_MINE;
          this.marker = first;
          this.indent = -1;
        }
      }
      return;
    }
    this.lineStart = this.lineEnd = this.at = this.end;
    this.indent = -1;
    this.marker = 0;
  }

  private next(): void {
    this.seek(this.lineEnd + 1);
  }

  /** Every document, as js-yaml's loadAll numbers them: a `---` with nothing after it is a null document. */
  documents(skipUnread: boolean): unknown[] {
    if (SUSPECT.test(this.text) && REFUSED.test(this.text)) throw NOT_MINE;
    this.seek(0);
    // A text with no content at all (blank, or only comments) is js-yaml's to number.
    if (this.indent === -1 && this.marker === 0) throw NOT_MINE;
    const documents: unknown[] = [];
    while (this.indent !== -1 || this.marker !== 0) {
      if (this.marker === DASH) this.next();
      let value: unknown = null;
      if (this.indent !== -1) {
        // Stryker disable next-line BooleanLiteral: no key of a document's root is ever skipped
        value = this.mapping(this.indent, 1, skipUnread ? Path.Root : Path.None, false);
        if (this.indent !== -1) throw NOT_MINE; // a root key deeper or shallower than the first
      }
      documents.push(value);
      if (this.marker === DOT) this.next();
    }
    return documents;
  }

  /** Whether the content at `at` is a sequence entry: `-` followed by a space or the end of the line. */
  private isItem(at: number): boolean {
    return this.text.charCodeAt(at) === DASH && (at + 1 === this.lineEnd || this.text.charCodeAt(at + 1) === SPACE);
  }

  /** A block collection starting on the current line, at its indentation. */
  private block(depth: number, path: Path): unknown {
    return this.isItem(this.at) ? this.sequence(this.indent, depth, path) : this.mapping(this.indent, depth, path, false);
  }

  /**
   * A block mapping whose keys sit at column `indent`, from the current line. `compact`: its
   * first key is on a sequence entry's line (`- name: x`).
   */
  private mapping(indent: number, depth: number, path: Path, compact: boolean): Record<string, unknown> {
    if (depth > MAX_DEPTH) throw NOT_MINE;
    const object: Record<string, unknown> = {};
    let first = compact;
    for (;;) {
      const key = this.key(this.at);
      if (key === null) throw NOT_MINE;
      // Stryker disable next-line ConditionalExpression: a shortcut; childPath answers None for None
      const child = path === Path.None ? Path.None : childPath(path, key);
      let value: unknown;
      if (child === Path.Dropped) {
        // As dropUnread would cut it: the key and every deeper line go, but a key on a sequence
        // entry's own line stays, null, so that the entry is still a mapping.
        this.next();
        while (this.indent > indent || (this.indent === indent && this.isItem(this.at))) this.next();
        if (!first) {
          if (this.indent < indent) return object;
          continue;
        }
        value = null;
      } else {
        const valueAt = this.skipSpaces(this.keyEnd);
        if (valueAt === this.lineEnd || this.text.charCodeAt(valueAt) === HASH) {
          // The value, if any, is on the next lines: deeper, or a sequence at the key's own column.
          this.next();
          if (this.indent > indent) value = this.block(depth + 1, child);
          else if (this.indent === indent && this.isItem(this.at)) value = this.sequence(indent, depth + 1, child);
          else value = null;
        } else {
          value = this.scalar(valueAt, indent); // a deeper line after it is refused below
        }
      }
      first = false;
      if (Object.hasOwn(object, key)) throw NOT_MINE; // js-yaml refuses duplicate keys
      // Stryker disable next-line ConditionalExpression: defining any new key is the same as assigning it
      if (key === '__proto__') {
        // As js-yaml: an own property, never the object's prototype.
        Object.defineProperty(object, key, { configurable: true, enumerable: true, writable: true, value });
      } else {
        object[key] = value;
      }
      if (this.indent < indent) return object;
      if (this.indent > indent) throw NOT_MINE;
    }
  }

  /** A block sequence whose `-` sit at column `indent`, from the current line. */
  private sequence(indent: number, depth: number, path: Path): unknown[] {
    if (depth > MAX_DEPTH) throw NOT_MINE;
    const items: unknown[] = [];
    const text = this.text;
    const entry = path === Path.Items ? Path.Object : path === Path.Containers ? Path.Container : Path.None;
    for (;;) {
      const at = this.skipSpaces(this.at + 1);
      let value: unknown;
      if (at === this.lineEnd) {
        this.next();
        value = this.indent > indent ? this.block(depth + 1, entry) : null;
      } else {
        // `- # c` and `- - x` (a sequence in a sequence on one line) are refused as scalars starting with an indicator.
        if (this.key(at) !== null) {
          // A compact mapping: its keys sit at the column of its first key.
          this.at = at;
          this.indent = at - this.lineStart;
          value = this.mapping(this.indent, depth + 1, entry, true);
        } else {
          value = this.scalar(at, indent);
        }
        if (this.indent > indent) throw NOT_MINE;
      }
      items.push(value);
      if (this.indent < indent || !this.isItem(this.at)) return items;
    }
  }

  private skipSpaces(from: number): number {
    let at = from;
    while (this.text.charCodeAt(at) === SPACE) at++;
    return at;
  }

  /**
   * The key of a mapping entry at `at` on the current line (its colon's end in `keyEnd`), or
   * null when the content is not a key (a scalar). A key-shaped text this parser does not
   * handle throws.
   */
  private key(at: number): string | null {
    const text = this.text;
    const lineEnd = this.lineEnd;
    const first = text.charCodeAt(at);
    if (first === DQUOTE || first === SQUOTE) {
      const close = first === DQUOTE ? this.doubleQuotedEnd(at) : this.singleQuotedEnd(at);
      // (A line's end is a line feed or past the text: never a colon, a space or a quote.)
      if (text.charCodeAt(close + 1) !== COLON) return null;
      if (close + 2 < lineEnd && text.charCodeAt(close + 2) !== SPACE) throw NOT_MINE;
      this.keyEnd = close + 2;
      return first === DQUOTE ? this.doubleQuoted(at, close) : this.singleQuoted(at, close);
    }
    // A plain key ends at the first `:` followed by a space or the end of the line; ` #` before it starts a comment.
    let colon = -1;
    // Stryker disable next-line EqualityOperator: the line's end is neither a colon nor a hash
    for (let i = at; i < lineEnd; i++) {
      const code = text.charCodeAt(i);
      if (code === COLON) {
        if (i + 1 === lineEnd || text.charCodeAt(i + 1) === SPACE) {
          colon = i;
          break;
        }
      } else if (code === HASH && text.charCodeAt(i - 1) === SPACE) {
        return null;
      }
    }
    if (colon === -1) return null;
    // `- x: y` or `? x`, `[a]: b`, `&a b: c`, `key : value`: js-yaml's.
    // (An empty key, `: x`, starts with an indicator.)
    if (INDICATORS.has(first) || text.charCodeAt(colon - 1) === SPACE) throw NOT_MINE;
    const raw = text.slice(at, colon);
    // `<<` is a merge key in other schemas: whatever a file meant by it, it is not kubectl's.
    if (raw === '<<') throw NOT_MINE;
    // A plain key resolves as any plain scalar (`1: a` is 1), then becomes a string, as js-yaml's keys do.
    this.keyEnd = colon + 1;
    return String(resolvePlain(raw));
  }

  /** The position of the `"` closing the double-quoted scalar opened at `open`, on the same line, with JSON's escapes only. */
  private doubleQuotedEnd(open: number): number {
    const text = this.text;
    // Stryker disable next-line EqualityOperator: the line's end is neither a quote nor a backslash
    for (let i = open + 1; i < this.lineEnd; i++) {
      const code = text.charCodeAt(i);
      if (code === DQUOTE) return i;
      if (code === BACKSLASH) {
        const escape = text.charCodeAt(i + 1);
        if (!JSON_ESCAPES.has(escape)) throw NOT_MINE;
        if (escape === 0x75 /* u */) {
          for (let h = i + 2; h < i + 6; h++) if (!isHex(text.charCodeAt(h))) throw NOT_MINE;
          i += 5;
        } else {
          i += 1;
        }
      }
    }
    throw NOT_MINE; // continued on the next line
  }

  private doubleQuoted(open: number, close: number): string {
    const raw = this.text.slice(open, close + 1);
    // JSON's string syntax is YAML's double-quoted style restricted to JSON's escapes (checked above), on one line.
    // Stryker disable next-line MethodExpression,StringLiteral,ConditionalExpression: a shortcut; JSON.parse would answer the same
    return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  /** The position of the `'` closing the single-quoted scalar opened at `open`, on the same line. */
  private singleQuotedEnd(open: number): number {
    const text = this.text;
    // Stryker disable next-line EqualityOperator: the line's end is not a quote
    for (let i = open + 1; i < this.lineEnd; i++) {
      if (text.charCodeAt(i) === SQUOTE) {
        if (text.charCodeAt(i + 1) !== SQUOTE) return i;
        i++; // '' is a quote
      }
    }
    throw NOT_MINE;
  }

  private singleQuoted(open: number, close: number): string {
    return this.text.slice(open + 1, close).replaceAll("''", "'");
  }

  /**
   * The scalar (or `{}`, `[]`, or literal block) starting at `at` on the current line, the value
   * of a node whose block sits at column `owner`; moves to the next line with content.
   */
  private scalar(at: number, owner: number): unknown {
    const text = this.text;
    const lineEnd = this.lineEnd;
    const first = text.charCodeAt(at);
    let value: unknown;
    let after: number;
    if (first === DQUOTE) {
      const close = this.doubleQuotedEnd(at);
      value = this.doubleQuoted(at, close);
      after = close + 1;
    } else if (first === SQUOTE) {
      const close = this.singleQuotedEnd(at);
      value = this.singleQuoted(at, close);
      after = close + 1;
    } else if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      if (text.charCodeAt(at + 1) !== (first === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) throw NOT_MINE; // a flow collection with content
      value = first === OPEN_BRACE ? {} : [];
      after = at + 2;
    } else if (first === PIPE) {
      return this.literal(at, owner);
    } else {
      if (INDICATORS.has(first) && !(first === DASH && at + 1 < lineEnd && text.charCodeAt(at + 1) !== SPACE)) throw NOT_MINE;
      // A plain scalar runs to the end of the line or to a comment (` #`), without trailing spaces.
      let stop = lineEnd;
      // (The scalar's first character is neither a hash nor a colon: both are indicators.)
      // Stryker disable next-line EqualityOperator: the line's end is neither a colon nor a hash
      for (let i = at; i < lineEnd; i++) {
        const code = text.charCodeAt(i);
        if (code === HASH && text.charCodeAt(i - 1) === SPACE) {
          stop = i;
          break;
        }
        // `: ` or a final `:` would make this a key: js-yaml reports bad indentation.
        if (code === COLON && (i + 1 === lineEnd || text.charCodeAt(i + 1) === SPACE)) throw NOT_MINE;
      }
      while (text.charCodeAt(stop - 1) === SPACE) stop--;
      value = resolvePlain(text.slice(at, stop));
      this.next();
      return value;
    }
    // After a quoted scalar or an empty flow collection: only spaces, then maybe a comment.
    const rest = this.skipSpaces(after);
    if (rest !== lineEnd && (rest === after || text.charCodeAt(rest) !== HASH)) throw NOT_MINE;
    this.next();
    return value;
  }

  /**
   * A literal block scalar (`|`, `|-`, `|+`) whose header is at `at`, inside a block at column
   * `owner`: its lines are those indented more than `owner`, at the indentation of the first
   * that is not blank.
   */
  private literal(at: number, owner: number): string {
    const text = this.text;
    let chomp = Chomp.Clip;
    let after = at + 1;
    const sign = text.charCodeAt(after);
    if (sign === DASH) chomp = Chomp.Strip;
    else if (sign === 0x2b /* + */) chomp = Chomp.Keep;
    if (chomp !== Chomp.Clip) after++;
    // An indentation indicator or a comment after the header: js-yaml's.
    if (this.skipSpaces(after) !== this.lineEnd) throw NOT_MINE;

    const lines: string[] = [];
    let lastContent = -1;
    let textIndent = -1;
    let widestLeadingBlank = 0;
    let start = this.lineEnd + 1;
    while (start < this.end) {
      let lineEnd = text.indexOf('\n', start);
      if (lineEnd === -1) lineEnd = this.end;
      let spaces = 0;
      while (text.charCodeAt(start + spaces) === SPACE) spaces++;
      if (start + spaces === lineEnd) {
        // A blank line: empty, or (past the indentation) a line of spaces, which is content.
        if (textIndent === -1) {
          // Stryker disable next-line EqualityOperator: the same maximum
          if (spaces > widestLeadingBlank) widestLeadingBlank = spaces;
          lines.push('');
        } else if (spaces > textIndent) {
          lines.push(text.slice(start + textIndent, lineEnd));
          lastContent = lines.length - 1;
        } else {
          lines.push('');
        }
        start = lineEnd + 1;
        continue;
      }
      if (textIndent === -1) {
        if (spaces <= owner) break;
        // Leading blank lines wider than the first line's indentation: js-yaml reports bad indentation.
        if (widestLeadingBlank > spaces) throw NOT_MINE;
        textIndent = spaces;
      }
      if (spaces < textIndent) break;
      lines.push(text.slice(start + textIndent, lineEnd));
      lastContent = lines.length - 1;
      start = lineEnd + 1;
    }
    // A comment right after the block (less indented) is where js-yaml's reading of comments is subtle.
    let next = start;
    while (text.charCodeAt(next) === SPACE) next++;
    if (text.charCodeAt(next) === HASH) throw NOT_MINE;
    this.seek(start);
    if (lastContent === -1) {
      if (chomp === Chomp.Keep && lines.length > 0) throw NOT_MINE;
      return '';
    }
    const breaks = lines.length - lastContent; // the last content line's and each trailing empty line's
    lines.length = lastContent + 1;
    const body = lines.join('\n');
    if (chomp === Chomp.Strip) return body;
    if (chomp === Chomp.Clip) return body + '\n';
    return body + '\n'.repeat(breaks);
  }
}

/**
 * The documents of `text` exactly as js-yaml's loadAll (core schema) returns them, or null
 * when the text holds anything this parser does not handle.
 */
export function parseBlockYaml(text: string, options: { skipUnread?: boolean } = {}): unknown[] | null {
  try {
    return new Reader(text).documents(options.skipUnread === true);
  } catch (e) {
    // Stryker disable next-line ConditionalExpression: nothing else is thrown (depth is bounded, JSON.parse gets checked text)
    if (e === NOT_MINE) return null;
    throw e;
  }
}
