import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import jsyaml from 'js-yaml';
import { parseYamlDocuments, YamlParseError } from '../../util/safe-yaml.js';
import type { KubeObject } from '../kube-object.js';
import { parseBlockYaml } from './block-yaml.js';
import { dropUnread } from './drop-unread.js';

/**
 * A snapshot that cannot be read whole is refused whole: serving half a cluster as
 * if it were complete would answer "not deployed" where the truth is "not loaded".
 */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    detail: string,
  ) {
    super(`${line === null ? file : `${file}:${line}`}: ${detail}`);
  }
}

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);
const LIMITS = { maxLength: 64 * 1024 * 1024, maxAliasCount: 1000, maxDepth: 256 };

export async function yamlFilesUnder(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SnapshotError(path, null, code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code})`);
  }
  if (info.isFile()) return [path];
  if (!info.isDirectory()) throw new SnapshotError(path, null, 'not a file or directory');
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && YAML_EXTENSIONS.has(extname(e.name)))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkObject(value: unknown, file: string, line: number, where: string): KubeObject {
  if (!isRecord(value)) throw new SnapshotError(file, line, `${where} is not a mapping`);
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') {
    throw new SnapshotError(file, line, `${where} has no apiVersion`);
  }
  if (typeof value.kind !== 'string' || value.kind === '') {
    throw new SnapshotError(file, line, `${where} has no kind`);
  }
  const metadata = value.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new SnapshotError(file, line, `${where} (${value.kind}) has no metadata.name`);
  }
  return value as unknown as KubeObject;
}

/** An anchor or alias where YAML allows one: such text takes the careful path (alias limits). */
const ANCHOR_OR_ALIAS = /(^|[\s[{,])[&*][^\s\]},]/m;

const isObject = (value: unknown): value is KubeObject =>
  isRecord(value) &&
  typeof value.apiVersion === 'string' && value.apiVersion !== '' &&
  typeof value.kind === 'string' && value.kind !== '' &&
  isRecord(value.metadata) && typeof value.metadata.name === 'string' && value.metadata.name !== '';

/**
 * The fast path for snapshot text, which is machine-written (kubectl) and large. First
 * block-yaml.ts, a parser for exactly that regular YAML which also skips, while parsing,
 * the blocks the store never keeps (managedFields, container env and probes: see
 * drop-unread.ts); then js-yaml (YAML 1.2 core schema, like the careful parser), several
 * times quicker than the careful parser. Both only ever answer for well-formed input: on any
 * doubt (a parse error, an anchor, a document that is not an object) this returns null and
 * the careful parser reads the text again, so errors are reported exactly as before, with
 * their file and line.
 */
function fastDocuments(text: string): unknown[] | null {
  if (text.length > LIMITS.maxLength) return null;
  const block = parseBlockYaml(text, { skipUnread: true });
  if (block) return block;
  if (ANCHOR_OR_ALIAS.test(text)) return null;
  // Blocks the store never keeps are cut first: a third less text to parse on a
  // kubectl-style fleet. On any doubt the whole text is parsed.
  const slim = dropUnread(text);
  if (
    slim !== null &&
    // Stryker disable next-line ConditionalExpression: equivalent, when nothing was cut slim is the text itself, so parsing it here gives what the parse below gives (an error there too); this saves only a second parse
    slim !== text
  ) {
    try {
      return jsyaml.loadAll(slim, undefined, { schema: jsyaml.CORE_SCHEMA, json: false });
    } catch {
      // parsed again below, whole, so that what is reported is about the text as written
    }
  }
  try {
    return jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA, json: false });
    // Stryker disable next-line BlockStatement: equivalent, without it the function answers undefined, which both callers test as they test null (`!documents`, `?.`)
  } catch {
    return null; // a syntax error, or nesting deep enough to exhaust the stack
  }
}

function fastObjects(text: string): KubeObject[] | null {
  const documents = fastDocuments(text);
  if (!documents) return null;
  const objects: KubeObject[] = [];
  for (const value of documents) {
    if (value == null) continue; // an empty document (null, or undefined should a parser ever give it)
    if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && 'items' in value) {
      if (!Array.isArray(value.items) || !value.items.every(isObject)) return null;
      for (const item of value.items) objects.push(item);
    } else if (isObject(value)) {
      objects.push(value);
    } else {
      return null;
    }
  }
  return objects;
}

/** Objects in one file: multi-document YAML, each document an object or a `kind: List`. */
export function parseSnapshotText(text: string, file: string): KubeObject[] {
  const fast = fastObjects(text);
  if (fast) return fast;
  let documents;
  try {
    documents = parseYamlDocuments(text, LIMITS);
  } catch (e) {
    if (e instanceof YamlParseError) {
      throw new SnapshotError(file, e.problem.line, `invalid YAML: ${e.problem.description}`);
    }
    throw e;
  }
  const objects: KubeObject[] = [];
  documents.forEach(({ value, line }, index) => {
    if (value == null) return; // an empty document, e.g. after a trailing '---'
    const where = `document ${index + 1}`;
    if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && 'items' in value) {
      if (!Array.isArray(value.items)) throw new SnapshotError(file, line, `${where}: items is not a list`);
      value.items.forEach((item, i) => objects.push(checkObject(item, file, line, `${where}, items[${i}]`)));
      return;
    }
    objects.push(checkObject(value, file, line, where));
  });
  return objects;
}

export interface LoadOptions {
  /** Reduce each object as it is read (the store's projection), so a large snapshot never sits in memory whole. */
  project?: (object: KubeObject) => KubeObject;
}

/** The objects of one file; files over the one-document limit are read as a stream. */
export async function parseSnapshotFile(file: string, shown: string, options: LoadOptions = {}): Promise<KubeObject[]> {
  const project = options.project ?? ((o: KubeObject) => o);
  let size: number;
  try {
    size = (await stat(file)).size;
    // Stryker disable next-line BlockStatement: equivalent, a path stat cannot resolve readFile cannot open either, and its error below carries the same code and message
  } catch (e) {
    throw new SnapshotError(shown, null, `cannot read (${(e as NodeJS.ErrnoException).code})`);
  }
  if (size > LIMITS.maxLength) return streamSnapshotFile(file, shown, project);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SnapshotError(shown, null, `cannot read (${(e as NodeJS.ErrnoException).code})`);
  }
  return parseSnapshotText(text, shown).map(project);
}

/** One YAML text that must hold exactly one document, with its line numbers shifted to the file's. */
function parseOne(text: string, file: string, firstLine: number): { value: unknown; line: number } | null {
  const fast = fastDocuments(text); // the text is one document as the stream cuts it: anything else takes the careful path
  if (fast && fast.length === 1 && isObject(fast[0])) return { value: fast[0], line: firstLine };
  try {
    const documents = parseYamlDocuments(text, LIMITS).filter((d) => d.value != null);
    if (documents.length === 0) return null;
    return { value: documents[0]!.value, line: firstLine + documents[0]!.line - 1 };
  } catch (e) {
    if (e instanceof YamlParseError) {
      throw new SnapshotError(file, e.problem.line === null ? firstLine : firstLine + e.problem.line - 1, `invalid YAML: ${e.problem.description}`);
    }
    throw e;
  }
}

/**
 * A file too large to parse as one document (a `kubectl get -A -o yaml` of a large cluster
 * is one `kind: List` of hundreds of megabytes), read line by line: documents split at
 * `---`, and the items of a top-level `items:` list parsed one at a time, so memory holds
 * one item's text and the (projected) objects, never the whole tree. Errors name the file
 * and line as for small files.
 */
export async function streamSnapshotFile(file: string, shown: string, project: (o: KubeObject) => KubeObject): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  let documentIndex = 0;
  let rest: string[] = [];
  let restStart = 1;
  let item: string[] | null = null;
  let itemStart = 0;
  let itemIndex = 0;
  let inItems = false;
  let sawItems = false;
  /**
   * Whether the document being read was opened by a `---` line. Such a document counts in
   * the numbering even when empty, as the whole-file parser counts it ("---\n---\nbad" is
   * document 2 there); text before the first marker counts only when it holds a document.
   */
  let openedByMarker = false;

  const flushItem = () => {
    if (!item) return;
    // An empty item ("-" alone, or only comments) is refused as the whole-file parser refuses it.
    const parsed = parseOne(item.join('\n'), shown, itemStart) ?? { value: null, line: itemStart };
    objects.push(project(checkObject(parsed.value, shown, parsed.line, `document ${documentIndex + 1}, items[${itemIndex}]`)));
    itemIndex++;
    item = null;
  };
  const flushDocument = () => {
    flushItem();
    const text = rest.join('\n');
    // Parsed even when it looks blank: a line of Unicode spaces (which trim() drops) is a
    // document to YAML, refused by the whole-file parser, so it must be refused here too.
    const parsed = parseOne(text, shown, restStart);
    if (sawItems) {
      // Stryker disable next-line OptionalChaining: equivalent, with sawItems the text holds the line `items: []`, so it parses to a mapping-bearing document or throws, never to none (parsed is never null here)
      const kind = isRecord(parsed?.value) ? parsed.value.kind : undefined;
      if (typeof kind !== 'string' || !kind.endsWith('List')) {
        throw new SnapshotError(shown, restStart, `document ${documentIndex + 1} has a top-level items list but is not a kind: List`);
      }
    } else if (parsed) {
      const value = parsed.value;
      if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && 'items' in value) {
        if (!Array.isArray(value.items)) throw new SnapshotError(shown, parsed.line, `document ${documentIndex + 1}: items is not a list`);
        value.items.forEach((it, i) => objects.push(project(checkObject(it, shown, parsed.line, `document ${documentIndex + 1}, items[${i}]`))));
      } else {
        objects.push(project(checkObject(value, shown, parsed.line, `document ${documentIndex + 1}`)));
      }
    }
    if (parsed || sawItems || openedByMarker) documentIndex++;
    rest = [];
    inItems = sawItems = false;
    itemIndex = 0;
  };

  let lineNo = 0;
  let restChars = 0;
  try {
    // No encoding on the stream: readline decodes the chunks as UTF-8 itself, a character split
    // across two chunks included.
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNo++;
      if (line === '---' || line.startsWith('--- ') || line === '...') {
        flushDocument();
        openedByMarker = line !== '...';
        restStart = lineNo + 1;
        restChars = 0;
        continue;
      }
      if (inItems) {
        if (line.startsWith('- ') || line === '-') {
          flushItem();
          item = ['  ' + line.slice(2)];
          itemStart = lineNo;
          continue;
        }
        if (line === '' || line.startsWith(' ') || line.startsWith('#')) {
          const content = line.trim();
          if (item) item.push(line);
          else if (content !== '' && !content.startsWith('#')) {
            // Items indented under `items:` would otherwise be skipped unnoticed: refused instead.
            throw new SnapshotError(shown, lineNo, `document ${documentIndex + 1}: items indented under "items:" cannot be streamed; write each "- " at the start of its line, as kubectl does`);
          }
          continue;
        }
        flushItem();
        inItems = false;
      }
      if (/^items:\s*$/.test(line)) {
        inItems = sawItems = true;
        rest.push('items: []');
        continue;
      }
      restChars += line.length + 1;
      if (restChars > LIMITS.maxLength) {
        throw new SnapshotError(shown, restStart, `invalid YAML: document is over the limit of ${LIMITS.maxLength} characters`);
      }
      rest.push(line);
    }
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError(shown, null, `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  flushDocument();
  return objects;
}

export async function loadSnapshot(path: string, options: LoadOptions = {}): Promise<{ objects: KubeObject[]; files: string[] }> {
  const files = await yamlFilesUnder(path);
  if (files.length === 0) throw new SnapshotError(path, null, 'holds no .yaml or .yml files');
  const objects: KubeObject[] = [];
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    for (const object of await parseSnapshotFile(file, shown, options)) objects.push(object);
  }
  return { objects, files };
}
