// How load-snapshot.ts reads one file's text: which parser answers (the block parser, js-yaml on
// the text with the unread blocks cut, js-yaml on the whole text, or the careful parser) shows in
// what comes back, because the first two skip what the store never keeps (managedFields, container
// details) and the others keep it. So these tests pin which path a text takes, what each path
// refuses, and that an answer never depends on the path beyond those skipped blocks.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshotFile, parseSnapshotText, streamSnapshotFile, yamlFilesUnder } from './load-snapshot.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'load-snapshot-parse-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The message of what `run` throws, after checking it is a SnapshotError. */
function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect((e as Error).name).toBe('SnapshotError');
    return (e as Error).message;
  }
  throw new Error('did not throw');
}

const MAX = 64 * 1024 * 1024; // load-snapshot.ts's one-document limit, in characters

/** A kubectl-style Deployment with the blocks the fast path skips. */
const deployment = (name: string, extra = '') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n${extra}  managedFields:\n  - manager: kubectl\n    operation: Apply\n  name: ${name}\n  namespace: a\n` +
  'spec:\n  template:\n    spec:\n      containers:\n      - image: nginx\n        name: web\n        resources:\n          limits:\n            cpu: "1"\n';
const slimDeployment = (name: string, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { ...metadata, name, namespace: 'a' },
  spec: { template: { spec: { containers: [{ image: 'nginx', name: 'web' }] } } },
});

describe('the fast path of parseSnapshotText', () => {
  it('reads kubectl-style text without managedFields and container details, lists and empty documents included', () => {
    const text = [
      deployment('one'),
      '---',
      '---', // an empty document
      'apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    managedFields:\n    - manager: kubectl\n    name: two\n    namespace: a\nmetadata:\n  resourceVersion: ""',
      '---',
      // An object with a top-level items field is not a list unless its kind says so.
      'apiVersion: example.com/v1\nkind: Queue\nitems:\n- first\n- second\nmetadata:\n  managedFields:\n  - manager: kubectl\n  name: q\n  namespace: a',
      '',
    ].join('\n');
    expect(parseSnapshotText(text, 'f.yaml')).toEqual([
      slimDeployment('one'),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two', namespace: 'a' } },
      { apiVersion: 'example.com/v1', kind: 'Queue', items: ['first', 'second'], metadata: { name: 'q', namespace: 'a' } },
    ]);
  });

  it('cuts the unread blocks before js-yaml when the block parser declines the text, and keeps timestamps as text (YAML 1.2 core)', () => {
    // A flow mapping is beyond the block parser; the cut text goes to js-yaml.
    const text = deployment('one', '  labels: {app: x}\n  creationTimestamp: 2024-01-01T00:00:00Z\n');
    expect(parseSnapshotText(text, 'f.yaml')).toEqual([
      slimDeployment('one', { labels: { app: 'x' }, creationTimestamp: '2024-01-01T00:00:00Z' }),
    ]);
  });

  it('parses the whole text with js-yaml, core schema, when there is nothing to cut', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: a, creationTimestamp: 2024-01-01T00:00:00Z}\n';
    expect(parseSnapshotText(text, 'f.yaml')).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'a', creationTimestamp: '2024-01-01T00:00:00Z' } },
    ]);
  });

  it('refuses a duplicate key as the careful parser does, with or without blocks to cut', () => {
    const duplicate = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n';
    expect(errorOf(() => parseSnapshotText(duplicate, 'f.yaml'))).toBe('f.yaml:5: invalid YAML: duplicate key');
    const withManagedFields = duplicate.replace('metadata:\n', 'metadata:\n  managedFields:\n  - manager: kubectl\n');
    expect(errorOf(() => parseSnapshotText(withManagedFields, 'f.yaml'))).toBe('f.yaml:7: invalid YAML: duplicate key');
  });

  it('refuses null metadata and null list items with a message, never a crash', () => {
    expect(errorOf(() => parseSnapshotText('apiVersion: v1\nkind: ConfigMap\nmetadata: ~\n', 'f.yaml'))).toBe(
      'f.yaml:1: document 1 (ConfigMap) has no metadata.name',
    );
    expect(errorOf(() => parseSnapshotText('apiVersion: v1\nkind: List\nitems:\n- ~\n', 'f.yaml'))).toBe(
      'f.yaml:1: document 1, items[0] is not a mapping',
    );
  });

  it('refuses a list whose later item is bad, though its first is good', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: one\n- kind: ConfigMap\n';
    expect(errorOf(() => parseSnapshotText(text, 'f.yaml'))).toBe('f.yaml:1: document 1, items[1] has no apiVersion');
  });

  it('reads a text of exactly the one-document limit on the fast path, and refuses one character more', () => {
    const head = `${deployment('big')}data:\n  x: `;
    const tail = '\n';
    const filler = MAX - head.length - tail.length;
    const text = head + 'x'.repeat(filler) + tail;
    expect(text.length).toBe(MAX);
    const [object] = parseSnapshotText(text, 'f.yaml');
    expect(object!.metadata).toEqual({ name: 'big', namespace: 'a' });
    expect((object as unknown as { data: { x: string } }).data.x).toHaveLength(filler);
    const over = head + 'x'.repeat(filler + 1) + tail;
    expect(errorOf(() => parseSnapshotText(over, 'f.yaml'))).toBe(
      `f.yaml: invalid YAML: document is ${MAX + 1} characters long, over the limit of ${MAX}`,
    );
  });
});

describe('the careful path of parseSnapshotText (an anchor sends the text there)', () => {
  it('reads typed lists, skips empty documents, and keeps an object with an items field whole', () => {
    const text = [
      '~',
      '---',
      'apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: &m\n    name: one\n    namespace: a',
      '---',
      'apiVersion: example.com/v1\nkind: Queue\nitems: [first]\nmetadata:\n  managedFields: [{manager: kubectl}]\n  name: q',
    ].join('\n');
    expect(parseSnapshotText(text, 'f.yaml')).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', namespace: 'a' } },
      { apiVersion: 'example.com/v1', kind: 'Queue', items: ['first'], metadata: { managedFields: [{ manager: 'kubectl' }], name: 'q' } },
    ]);
  });
});

describe('yamlFilesUnder', () => {
  it('lists the YAML files of a tree in path order, nested files between their neighbours', async () => {
    const root = join(dir, 'tree');
    await mkdir(join(root, 'nested'), { recursive: true });
    for (const name of ['z.yaml', 'm.yml', 'nested/a.yaml', 'nested/b.txt']) await writeFile(join(root, name), '');
    expect(await yamlFilesUnder(root)).toEqual([join(root, 'm.yml'), join(root, 'nested', 'a.yaml'), join(root, 'z.yaml')]);
  });
});

describe('parseSnapshotFile', () => {
  const queue = 'apiVersion: example.com/v1\nkind: Queue\nitems:\n- first\nmetadata:\n  name: q\n';

  it('reads a file within the limit whole: an object with a top-level items field is kept', async () => {
    const file = join(dir, 'queue.yaml');
    await writeFile(file, queue);
    expect(await parseSnapshotFile(file, 'queue.yaml')).toEqual([
      { apiVersion: 'example.com/v1', kind: 'Queue', items: ['first'], metadata: { name: 'q' } },
    ]);
  });

  it('reads a file of exactly the limit whole, and streams a larger one', async () => {
    // At the limit: read whole, so the Queue's items field is kept (the stream refuses it).
    const atLimit = join(dir, 'at-limit.yaml');
    const comment = '# ' + 'x'.repeat(MAX - queue.length - 3) + '\n';
    await writeFile(atLimit, comment + queue);
    expect((comment + queue).length).toBe(MAX);
    expect((await parseSnapshotFile(atLimit, 'at-limit.yaml')).map((o) => o.metadata.name)).toEqual(['q']);
    await rm(atLimit);
    // Over the limit: streamed, so an item over the limit is refused at its own line; read
    // whole, the file would be refused with no line at all.
    const over = join(dir, 'over.yaml');
    const item = '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: big\n  data:\n    x: ' + 'x'.repeat(MAX) + '\n';
    await writeFile(over, 'apiVersion: v1\nkind: List\nitems:\n' + item);
    await expect(parseSnapshotFile(over, 'over.yaml')).rejects.toThrow(
      new RegExp(`^over\\.yaml:4: invalid YAML: document is \\d+ characters long, over the limit of ${MAX}$`),
    );
    await rm(over);
  });
});

describe('parseOne, through the stream', () => {
  it('reads items on the fast path, without managedFields, and skips an empty document as the whole-file parser does', async () => {
    const file = join(dir, 'stream.yaml');
    const text =
      '---\n~\n---\napiVersion: v1\nkind: List\nitems:\n' +
      '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    managedFields:\n    - manager: kubectl\n    name: one\n    namespace: a\n' +
      'metadata:\n  resourceVersion: ""\n';
    await writeFile(file, text);
    const expected = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', namespace: 'a' } }];
    expect(await streamSnapshotFile(file, 'stream.yaml', (o) => o)).toEqual(expected);
  });
});
