/**
 * Parsing is most of a large snapshot's start-up, and much of what kubectl writes is never
 * kept: the store's projection (src/cluster/store/projection.ts) drops `managedFields` and
 * everything of a container but its name and image. This removes those blocks from the
 * YAML text before it is parsed, line by line, so the parser never builds them.
 *
 * It is an optimisation of the fast path only, and refuses whatever it does not fully
 * understand: it returns null for any line that is not a plain block-style key, list item,
 * comment or blank line (tabs, flow collections spanning lines at the top, directives),
 * and the caller then parses the original text. Lines inside a scalar (a block scalar, a
 * quoted or plain value running over several lines) are never read as structure: after a
 * key or item with an inline value, every deeper line belongs to that value. Nothing kept
 * is changed: a dropped block is a whole subtree, and a dropped key on a list item's own
 * line (`- env:`) keeps its line and loses only its children (its value becomes null, and
 * the projection drops the key anyway).
 */

interface Entry {
  indent: number;
  /** The key, or '-' for a list item. */
  key: string;
}

/** A block mapping key at the start of the content, to the end of its line (sticky: no substring per line). */
const KEY = /([^\s#'"{}[\],&*!|>%@`?:-][^:#\n]*?|"[^"\\\n]*"|'[^'\n]*'):(?:[ ]+([^\n]*))?(?=\n|$)/y;

/** Keys of a container that the projection keeps; every other key of a container is dropped. */
const CONTAINER_KEEPS = new Set(['name', 'image']);

/**
 * Whether `key`, below the keys on the stack (an object's root at the bottom, or a
 * `kind: List`'s `items`, `-` under it), is dropped by the projection.
 */
function dropped(stack: readonly Entry[], key: string): boolean {
  let base = 0;
  if (stack[0]?.key === 'items' && stack[1]?.key === '-') base = 2;
  const depth = stack.length - base;
  // metadata.managedFields
  if (depth === 1) return key === 'managedFields' && stack[base]!.key === 'metadata';
  // spec.template.spec.(containers|initContainers)[].<anything but name and image>
  if (depth === 5) {
    const list = stack[base + 3]!.key;
    return (
      !CONTAINER_KEEPS.has(key) &&
      stack[base + 4]!.key === '-' &&
      (list === 'containers' || list === 'initContainers') &&
      stack[base]!.key === 'spec' &&
      stack[base + 1]!.key === 'template' &&
      stack[base + 2]!.key === 'spec'
    );
  }
  return false;
}

const unquote = (key: string) => (key.startsWith('"') || key.startsWith("'") ? key.slice(1, -1) : key);
const hasValue = (rest: string | undefined) => rest !== undefined && rest !== '' && !rest.startsWith('#');

const SPACE = 32;
const TAB = 9;
const HASH = 35;
const DASH = 45;
const CR = 13;

/** The text without the blocks the store never keeps, or null when the text is not plain enough to tell. */
export function dropUnread(text: string): string | null {
  const parts: string[] = [];
  const stack: Entry[] = [];
  /** Deeper lines than this belong to a scalar. */
  let opaqueAbove = -1;
  let dropping = false;
  /** A dropped key's own indent: its sequence items may sit at the same indent. */
  // Stryker disable next-line UnaryOperator: equivalent, dropIndent is read only while dropping, and whatever sets dropping sets it first
  let dropIndent = -1;
  /** Where the run of kept text that is not yet in `parts` starts. */
  let keepFrom = 0;
  const length = text.length;

  for (let lineStart = 0; lineStart < length; ) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = length;
    const next = lineEnd + 1;
    let at = lineStart;
    // No bound needed: the character at lineEnd is a newline, or past the end (NaN).
    while (text.charCodeAt(at) === SPACE) at++;
    const indent = at - lineStart;
    const first = at < lineEnd ? text.charCodeAt(at) : -1;
    if (first === TAB) return null; // tabs are not YAML indentation: let the parser say so
    // Blank lines and comments never end a block.
    if (first === -1 || first === HASH || (first === CR && at + 1 === lineEnd)) {
      lineStart = next;
      continue;
    }
    if (opaqueAbove >= 0 && indent > opaqueAbove) {
      lineStart = next;
      continue;
    }
    const item = first === DASH && (at + 1 === lineEnd || text.charCodeAt(at + 1) === SPACE);
    if (dropping) {
      if (indent > dropIndent || (indent === dropIndent && item)) {
        lineStart = next;
        continue;
      }
      dropping = false;
      keepFrom = lineStart;
    }
    opaqueAbove = -1;
    if (indent === 0 && (text.startsWith('---', at) || text.startsWith('...', at))) {
      const rest = text.slice(at + 3, lineEnd).trim();
      if (rest !== '') return null;
      stack.length = 0;
      lineStart = next;
      continue;
    }

    let keyAt = at;
    let keyIndent = indent;
    if (item) {
      while (stack.length > 0 && (stack[stack.length - 1]!.indent > indent || (stack[stack.length - 1]!.key === '-' && stack[stack.length - 1]!.indent === indent))) stack.pop();
      stack.push({ indent, key: '-' });
      keyAt = at + 2;
      keyIndent = indent + 2;
      if (keyAt >= lineEnd || (keyAt + 1 === lineEnd && text.charCodeAt(keyAt) === CR)) {
        lineStart = next; // the item's content follows on deeper lines
        continue;
      }
      if (text.charCodeAt(keyAt) === DASH) return null; // a list of lists: not worth understanding
    } else {
      // A directive (%YAML, %TAG) is refused below: KEY never starts with %.
      while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    }
    KEY.lastIndex = keyAt;
    const match = KEY.exec(text);
    if (!match) {
      if (!item) return null;
      opaqueAbove = indent; // a scalar or flow item: deeper lines continue it
      lineStart = next;
      continue;
    }
    const key = unquote(match[1]!);
    const value = match[2];
    if (dropped(stack, key)) {
      dropping = true;
      dropIndent = keyIndent;
      if (item) {
        // Keep `- key:` (the item must stay a mapping) and drop what belongs to it.
        parts.push(text.slice(keepFrom, keyAt), match[1]!, ':\n');
      } else {
        parts.push(text.slice(keepFrom, lineStart));
      }
      lineStart = next;
      continue;
    }
    stack.push({ indent: keyIndent, key });
    if (hasValue(value)) opaqueAbove = keyIndent;
    lineStart = next;
  }
  if (parts.length === 0) return text;
  if (!dropping) parts.push(text.slice(keepFrom));
  return parts.join('');
}
