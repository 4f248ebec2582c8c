// Snapshot files too large for one parse are streamed (streamSnapshotFile in
// src/cluster/snapshot/load-snapshot.ts): the same objects as the whole-file parser for every
// shape kubectl writes (document markers, typed lists, items written "-" alone, comments and
// blank lines inside items, keys after the items), projected as they are read, and errors that
// name the file, the line and the document exactly as for small files.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/cluster/kube-object.js';
import { parseSnapshotFile, parseSnapshotText, streamSnapshotFile } from '../src/cluster/snapshot/load-snapshot.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snapshot-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function stream(text: string, project: (o: KubeObject) => KubeObject = (o) => o): Promise<KubeObject[]> {
  const file = join(dir, `f-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, text);
  return streamSnapshotFile(file, 'f.yaml', project);
}
async function streamError(text: string): Promise<string> {
  const error = await stream(text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name).toBe('SnapshotError');
  return (error as Error).message;
}

const cm = (ns: string, name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`;

describe('streamSnapshotFile', () => {
  it('reads every shape kubectl writes with the objects the whole-file parser gives', async () => {
    const text = [
      '---',
      cm('a', 'first').trimEnd(),
      '--- # a marker with a comment',
      'apiVersion: v1',
      'kind: ConfigMapList',
      'items:',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  # a comment inside an item',
      '',
      '  metadata:',
      '    name: listed-0',
      '    namespace: b',
      '-',
      '  apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata: {name: listed-1, namespace: b}',
      'metadata:',
      '  resourceVersion: ""',
      '...',
      '---',
      '---',
      cm('c', 'last').trimEnd(),
      '',
    ].join('\n');
    const streamed = await stream(text);
    expect(streamed).toEqual(parseSnapshotText(text, 'f.yaml'));
    expect(streamed.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['a/first', 'b/listed-0', 'b/listed-1', 'c/last']);
  });

  it('reads a List whose items are not the last key, and an object after it', async () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n- ${cm('a', 'x').trimEnd().replace(/\n/g, '\n  ')}\nmetadata: {}\n---\n${cm('b', 'y')}`;
    expect(await stream(text)).toEqual(parseSnapshotText(text, 'f.yaml'));
    expect((await stream(text)).map((o) => o.metadata.name)).toEqual(['x', 'y']);
  });

  it('projects every object as it is read', async () => {
    const text = `${cm('a', 'one')}---\napiVersion: v1\nkind: List\nitems:\n- ${cm('b', 'two').trimEnd().replace(/\n/g, '\n  ')}\n`;
    const seen: string[] = [];
    const projected = await stream(text, (o) => {
      seen.push(o.metadata.name);
      return { ...o, metadata: { name: o.metadata.name.toUpperCase() } };
    });
    expect(seen).toEqual(['one', 'two']);
    expect(projected.map((o) => o.metadata)).toEqual([{ name: 'ONE' }, { name: 'TWO' }]);
  });

  it('refuses a document with a top-level items list that is not a List, naming its first line', async () => {
    // Items are read (and checked) one by one as they come; the kind is checked at the end of the document.
    const item = `- ${cm('z', 'item').trimEnd().replace(/\n/g, '\n  ')}\n`;
    expect(await streamError(`${cm('a', 'x')}items:\n${item}`)).toBe('f.yaml:1: document 1 has a top-level items list but is not a kind: List');
    expect(await streamError(`${cm('a', 'x')}---\n\n# notes\napiVersion: v1\nkind: Thing\nitems:\n${item}`)).toBe(
      'f.yaml:7: document 2 has a top-level items list but is not a kind: List',
    );
    expect(await streamError(`items:\n${item}`)).toBe('f.yaml:1: document 1 has a top-level items list but is not a kind: List');
  });

  it('names the item and its line when an item is not an object', async () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n- ${cm('a', 'x').trimEnd().replace(/\n/g, '\n  ')}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {}\n`;
    expect(await streamError(text)).toBe('f.yaml:9: document 1, items[1] (ConfigMap) has no metadata.name');
    const second = `${cm('a', 'x')}---\napiVersion: v1\nkind: List\nitems:\n- just text\n`;
    expect(await streamError(second)).toBe('f.yaml:10: document 2, items[0] is not a mapping');
  });

  it('numbers documents as the whole-file parser does, counting empty ones opened by ---', async () => {
    const bad = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n';
    for (const text of [
      `---\n---\n---\n${bad}`,
      `${cm('a', 'x')}---\n---\n${bad}`,
      `# only a comment\n---\n${bad}`,
      `${cm('a', 'x')}...\n---\n${bad}`,
      `---\n${cm('a', 'x')}---\n${bad}---\n`,
    ]) {
      const whole = (() => {
        try {
          parseSnapshotText(text, 'f.yaml');
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      })();
      expect(whole).toMatch(/^f\.yaml:\d+: document \d+ \(ConfigMap\) has no metadata\.name$/);
      expect(await streamError(text), JSON.stringify(text)).toBe(whole);
    }
  });

  it('refuses a List whose items is written inline and is not a list', async () => {
    expect(await streamError(`${cm('a', 'x')}---\napiVersion: v1\nkind: List\nitems: {a: 1}\n`)).toBe('f.yaml:7: document 2: items is not a list');
  });

  it('names the line of invalid YAML inside an item, and in a plain document', async () => {
    expect(await streamError(`apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: [oops\n`)).toMatch(/^f\.yaml:5: invalid YAML: /);
    expect(await streamError(`${cm('a', 'x')}---\napiVersion: v1\nkind: [oops\n`)).toMatch(/^f\.yaml:8: invalid YAML: /);
  });

  it('says a file it cannot open cannot be read', async () => {
    const error = await streamSnapshotFile(join(dir, 'missing.yaml'), 'missing.yaml', (o) => o).catch((e: Error) => e);
    expect((error as Error).message).toBe('missing.yaml: cannot read (ENOENT)');
  });
});

describe('parseSnapshotFile', () => {
  it('projects what it reads, and names a file it cannot read by the name it is shown as', async () => {
    const file = join(dir, 'small.yaml');
    await writeFile(file, `${cm('a', 'x')}---\n${cm('b', 'y')}`);
    expect((await parseSnapshotFile(file, 'small.yaml', { project: (o) => ({ ...o, kind: 'Projected' }) })).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Projected/x',
      'Projected/y',
    ]);
    expect((await parseSnapshotFile(file, 'small.yaml')).map((o) => o.kind)).toEqual(['ConfigMap', 'ConfigMap']);
    await expect(parseSnapshotFile(join(dir, 'nope.yaml'), 'shown/nope.yaml')).rejects.toThrow(/^shown\/nope\.yaml: cannot read \(ENOENT\)$/);
    await expect(parseSnapshotFile(dir, 'a-directory.yaml')).rejects.toThrow(/^a-directory\.yaml: cannot read \(EISDIR\)$/);
  });

  it('takes the careful parser for anchors and aliases, refusing too many aliases with the file and line', async () => {
    const withAnchor = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: &ns a}\ndata: {pipelines: *ns}\n';
    expect(parseSnapshotText(withAnchor, 'f.yaml').map((o) => [o.metadata.namespace, o.data])).toEqual([['a', { pipelines: 'a' }]]);
    const aliases = Array.from({ length: 1001 }, (_, i) => `  k${i}: *v`).join('\n');
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nv: &v [1]\ndata:\n${aliases}\n`;
    expect(() => parseSnapshotText(bomb, 'bomb.yaml')).toThrow(/^bomb\.yaml:\d+: invalid YAML: /);
  });
});
