// The line-by-line reader of files over the one-document limit (streamSnapshotFile), reached
// directly with small files as test/snapshot-stream.test.ts does: the shapes and refusals that
// suite does not pin, each compared with the whole-file parser where both read the text.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube-object.js';
import { parseSnapshotText, streamSnapshotFile } from './load-snapshot.js';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'load-snapshot-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function stream(text: string, project: (o: KubeObject) => KubeObject = (o) => o): Promise<KubeObject[]> {
  const file = join(dir, `f-${n++}.yaml`);
  await writeFile(file, text);
  try {
    return await streamSnapshotFile(file, 'f.yaml', project);
  } finally {
    await rm(file);
  }
}
async function streamError(text: string, project?: (o: KubeObject) => KubeObject): Promise<string> {
  const error = await stream(text, project).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name).toBe('SnapshotError');
  return (error as Error).message;
}
function wholeError(text: string): string {
  try {
    parseSnapshotText(text, 'f.yaml');
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}
const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: a\n`;
/** A ConfigMap written as an item of a block `items:` list, as kubectl writes it. */
const item = (name: string) => `- ${cm(name).trimEnd().replace(/\n/g, '\n  ')}\n`;
const list = (...items: string[]) => `apiVersion: v1\nkind: List\nitems:\n${items.join('')}`;

describe('streamSnapshotFile: documents', () => {
  it('refuses a first document that is a sequence, as the whole-file parser does', async () => {
    const text = `- ${cm('x').trimEnd().replace(/\n/g, '\n  ')}\n`;
    expect(wholeError(text)).toBe('f.yaml:1: document 1 is not a mapping');
    expect(await streamError(text)).toBe('f.yaml:1: document 1 is not a mapping');
  });

  it('starts a new document after "..." even without a "---"', async () => {
    const text = `${cm('x')}...\n${cm('y')}`;
    expect(names(parseSnapshotText(text, 'f.yaml'))).toEqual(['ConfigMap/x', 'ConfigMap/y']);
    expect(names(await stream(text))).toEqual(['ConfigMap/x', 'ConfigMap/y']);
  });

  it('refuses a document of Unicode spaces only, as the whole-file parser does', async () => {
    const text = `${cm('x')}---\n\u00a0\n---\n${cm('y')}`;
    expect(wholeError(text)).toBe('f.yaml:7: document 2 is not a mapping');
    expect(await streamError(text)).toBe('f.yaml:7: document 2 is not a mapping');
  });

  it('keeps an object that has an inline items key but is not a List', async () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nitems: []\n---\napiVersion: v1\nkind: Items\nmetadata: {name: y}\nitems: [1]\n`;
    expect(names(parseSnapshotText(text, 'f.yaml'))).toEqual(['ConfigMap/x', 'Items/y']);
    expect(names(await stream(text))).toEqual(['ConfigMap/x', 'Items/y']);
  });

  it('reads a typed List whose items are written inline, and names an inline item that is not an object', async () => {
    const good = `apiVersion: v1\nkind: ConfigMapList\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: x}}, {apiVersion: v1, kind: ConfigMap, metadata: {name: y}}]\n`;
    expect(names(await stream(good))).toEqual(['ConfigMap/x', 'ConfigMap/y']);
    expect(names(await stream(good))).toEqual(names(parseSnapshotText(good, 'f.yaml')));
    const bad = `${cm('w')}---\napiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: x}}, {apiVersion: v1, kind: ConfigMap, metadata: {}}]\n`;
    expect(await streamError(bad)).toBe('f.yaml:7: document 2, items[1] (ConfigMap) has no metadata.name');
  });

  it('names a document without a kind, or that is not a mapping, rather than crashing', async () => {
    const kindless = `apiVersion: v1\nmetadata: {name: x}\n---\n${cm('y')}`;
    expect(await streamError(kindless)).toBe('f.yaml:1: document 1 has no kind');
    expect(await streamError(`just text\n---\n${cm('y')}`)).toBe('f.yaml:1: document 1 is not a mapping');
    expect(await streamError(`${cm('y')}---\napiVersion: v1\nkind: 7\nmetadata: {name: x}\n`)).toBe('f.yaml:7: document 2 has no kind');
  });

  it('says a document cannot be read when the projection fails, naming the file', async () => {
    const text = `${cm('x')}---\n${cm('y')}`;
    expect(
      await streamError(text, () => {
        throw new Error('no');
      }),
    ).toBe('f.yaml: cannot read (error)');
  });
});

describe('streamSnapshotFile: block items lists', () => {
  it('names the line of a document that opens with items but is not a List', async () => {
    expect(await streamError(`${cm('x')}---\nitems:\n${item('y')}`)).toBe('f.yaml:7: document 2 has a top-level items list but is not a kind: List');
  });

  it('keeps reading items across comments and blank lines at column 0, before and between items', async () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n# first\n\n   \n  # indented\n${item('x')}# between\n\n${item('y')}`;
    expect(names(parseSnapshotText(text, 'f.yaml'))).toEqual(['ConfigMap/x', 'ConfigMap/y']);
    expect(names(await stream(text))).toEqual(['ConfigMap/x', 'ConfigMap/y']);
  });

  it('refuses items indented under items:, which it cannot stream, naming the line', async () => {
    const text = `${cm('w')}---\napiVersion: v1\nkind: List\nitems:\n  ${item('x').trimEnd().replace(/\n/g, '\n  ')}\n`;
    expect(names(parseSnapshotText(text, 'f.yaml'))).toEqual(['ConfigMap/w', 'ConfigMap/x']);
    expect(await streamError(text)).toBe(
      'f.yaml:10: document 2: items indented under "items:" cannot be streamed; write each "- " at the start of its line, as kubectl does',
    );
  });

  it('refuses an empty item, as the whole-file parser does', async () => {
    for (const empty of ['-\n', '- # nothing\n']) {
      const text = list(item('x'), empty, item('y'));
      expect(wholeError(text)).toBe('f.yaml:1: document 1, items[1] is not a mapping');
      expect(await streamError(text)).toBe('f.yaml:9: document 1, items[1] is not a mapping');
    }
  });

  it('ends the items at the next top-level key, whose own block sequence is not items', async () => {
    const text = `${list(item('x'))}extra:\n- one\n- two\n`;
    expect(names(parseSnapshotText(text, 'f.yaml'))).toEqual(['ConfigMap/x']);
    expect(names(await stream(text))).toEqual(['ConfigMap/x']);
  });

  it('takes only a top-level "items:" key as the items list, trailing spaces allowed', async () => {
    const other = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nlineitems:\n- 1\n`;
    expect(names(await stream(other))).toEqual(['ConfigMap/x']);
    // Streamed item by item: an error names the item's own line, not the document's.
    expect(await streamError(`apiVersion: v1\nkind: List\nitems:  \n- just text\n`)).toBe('f.yaml:4: document 1, items[0] is not a mapping');
  });

  it('refuses a List with two items keys, as the whole-file parser does', async () => {
    const text = `${list(item('x'))}items:\n${item('y')}`;
    expect(wholeError(text)).toMatch(/^f\.yaml:\d+: invalid YAML: duplicate key$/);
    expect(await streamError(text)).toMatch(/^f\.yaml:\d+: invalid YAML: duplicate key$/);
  });
});

describe('streamSnapshotFile: decoding and the per-document limit', () => {
  it('decodes a character split across two read chunks', async () => {
    // The stream reads 64 KiB chunks: the two bytes of "é" fall on either side of the first boundary.
    const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  k: "';
    const value = `${'a'.repeat(64 * 1024 - Buffer.byteLength(head) - 1)}é`;
    expect(Buffer.byteLength(head + value.slice(0, -1))).toBe(64 * 1024 - 1);
    const [object] = await stream(`${head}${value}"\n`);
    expect((object as KubeObject & { data: Record<string, string> }).data.k).toBe(value);
  });

  it('reads a document of exactly the limit, and refuses one a character over it, naming its first line', async () => {
    // The limit is 64 MiB of text per document, newlines counted: a comment line of 64 MiB - 1
    // characters is exactly at it; one of 64 MiB is over it. Both are comments so that the one
    // read is quick to parse.
    const max = 64 * 1024 * 1024;
    const text = `#${'a'.repeat(max - 2)}\n---\n#${'a'.repeat(max - 1)}\n`;
    expect(await streamError(text)).toBe(`f.yaml:3: invalid YAML: document is over the limit of ${max} characters`);
  }, 60_000);
});
