import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot, parseSnapshotText, SnapshotError, streamSnapshotFile } from './load-snapshot.js';
import { SnapshotReader } from './snapshot-source.js';

const cm = (ns: string, name: string, labels: Record<string, string> = {}) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels: ${JSON.stringify(labels)}\n`;

describe('snapshot files', () => {
  it('reads multi-document files and kind: List as kubectl get -o yaml writes it', () => {
    const text = [
      cm('a', 'one'),
      '---',
      'apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: ""\nitems:\n' +
        '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: two\n    namespace: b\n' +
        '- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: three\n    namespace: b\n',
      '---',
      '',
    ].join('\n');
    const objects = parseSnapshotText(text, 'x.yaml');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/one',
      'ConfigMap/two',
      'Deployment/three',
    ]);
  });

  it('names the file and line of invalid YAML', () => {
    expect(() => parseSnapshotText(`${cm('a', 'one')}---\nkind: ConfigMap\nmetadata: [oops\n  name: x\n`, 'bad.yaml')).toThrow(
      /^bad\.yaml:\d+: invalid YAML: /,
    );
  });

  it('refuses a document without kind or metadata.name, naming file and line', () => {
    expect(() => parseSnapshotText(`${cm('a', 'one')}---\napiVersion: v1\nmetadata:\n  name: x\n`, 'f.yaml')).toThrow(
      'f.yaml:8: document 2 has no kind',
    );
    expect(() => parseSnapshotText('apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', 'f.yaml')).toThrow(
      'f.yaml:1: document 1 (ConfigMap) has no metadata.name',
    );
  });

  it.each([
    ['a list document', '- a\n', 'f.yaml:1: document 1 is not a mapping'],
    ['a scalar document', 'just text\n', 'f.yaml:1: document 1 is not a mapping'],
    ['no apiVersion', 'kind: ConfigMap\nmetadata: {name: x}\n', 'f.yaml:1: document 1 has no apiVersion'],
    ['an empty apiVersion', 'apiVersion: ""\nkind: ConfigMap\nmetadata: {name: x}\n', 'f.yaml:1: document 1 has no apiVersion'],
    ['a numeric apiVersion', 'apiVersion: 1\nkind: ConfigMap\nmetadata: {name: x}\n', 'f.yaml:1: document 1 has no apiVersion'],
    ['an empty kind', 'apiVersion: v1\nkind: ""\nmetadata: {name: x}\n', 'f.yaml:1: document 1 has no kind'],
    ['an empty name', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ""}\n', 'f.yaml:1: document 1 (ConfigMap) has no metadata.name'],
    ['metadata that is a list', 'apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\n', 'f.yaml:1: document 1 (ConfigMap) has no metadata.name'],
    ['a List whose items is not a list', 'apiVersion: v1\nkind: List\nitems: {a: 1}\n', 'f.yaml:1: document 1: items is not a list'],
    ['a List with a bad item', 'apiVersion: v1\nkind: List\nitems:\n- kind: ConfigMap\n', 'f.yaml:1: document 1, items[0] has no apiVersion'],
    ['a second document that is bad', `${cm('a', 'one')}---\n- x\n`, 'f.yaml:8: document 2 is not a mapping'],
  ])('refuses %s, naming file, line and document', (_what, text, message) => {
    expect(() => parseSnapshotText(text, 'f.yaml')).toThrow(SnapshotError);
    expect(() => parseSnapshotText(text, 'f.yaml')).toThrow(message);
    try {
      parseSnapshotText(text, 'f.yaml');
    } catch (error) {
      expect((error as Error).message).toBe(message);
      expect((error as Error).name).toBe('SnapshotError');
    }
  });

  it('reads typed lists (ConfigMapList) and skips empty documents', () => {
    const text = [
      '---',
      '~',
      '---',
      'apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: one, namespace: a}\n',
      '---',
      // A kind ending in "List" without items is an object like any other.
      'apiVersion: example.com/v1\nkind: PlayList\nmetadata: {name: songs, namespace: a}\n',
    ].join('\n');
    expect(parseSnapshotText(text, 'f.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/one', 'PlayList/songs']);
  });

  it('names the file and line of invalid YAML exactly, without the parser\'s text', () => {
    expect(() => parseSnapshotText(`${cm('a', 'one')}---\nkind: ConfigMap\nmetadata: [oops\n  name: x\n`, 'bad.yaml')).toThrow(
      /^bad\.yaml:\d+: invalid YAML: [a-z ]+$/,
    );
  });

  it('loads a single file, and refuses what is neither a file nor a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snapshot-file-'));
    const file = join(dir, 'one.yaml');
    await writeFile(file, cm('a', 'one'));
    const { objects, files } = await loadSnapshot(file);
    expect(files).toEqual([file]);
    expect(objects.map((o) => o.metadata.name)).toEqual(['one']);
    await expect(loadSnapshot('/dev/null')).rejects.toThrow('/dev/null: not a file or directory');
    await expect(loadSnapshot(join(file, 'below-a-file'))).rejects.toThrow(`${join(file, 'below-a-file')}: cannot read (ENOTDIR)`);
  });

  it('names a broken file by its path relative to the working directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snapshot-rel-'));
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\n');
    await expect(loadSnapshot(dir)).rejects.toThrow(`${relative(process.cwd(), file)}:1: document 1 (ConfigMap) has no metadata.name`);
  });

  it('loads every YAML file of a directory tree and ignores other files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snapshot-'));
    await mkdir(join(dir, 'nested'));
    await writeFile(join(dir, 'a.yaml'), cm('a', 'one'));
    await writeFile(join(dir, 'nested', 'b.yml'), cm('b', 'two'));
    await writeFile(join(dir, 'README.md'), 'not yaml: [');
    await writeFile(join(dir, 'notes.txt'), 'kind: [');
    const { objects, files } = await loadSnapshot(dir);
    expect(files).toHaveLength(2);
    expect(objects.map((o) => o.metadata.name).sort()).toEqual(['one', 'two']);
  });

  it('refuses a missing path and an empty directory', async () => {
    await expect(loadSnapshot('/nonexistent/snapshot')).rejects.toThrow(
      '/nonexistent/snapshot: no such file or directory',
    );
    const empty = await mkdtemp(join(tmpdir(), 'snapshot-empty-'));
    await expect(loadSnapshot(empty)).rejects.toBeInstanceOf(SnapshotError);
    await expect(loadSnapshot(empty)).rejects.toThrow(`${empty}: holds no .yaml or .yml files`);
  });
});

describe('SnapshotReader', () => {
  const objects = [
    ...parseSnapshotText(cm('a', 'one', { app: 'x' }), 'f'),
    ...parseSnapshotText(cm('b', 'two', { app: 'y' }), 'f'),
    ...parseSnapshotText(
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata:\n  name: not-flux\n  namespace: a\n',
      'f',
    ),
    ...parseSnapshotText(
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux\n  namespace: a\n',
      'f',
    ),
  ];
  const reader = new SnapshotReader(objects);

  it('lists by namespace, across namespaces, and by label selector', async () => {
    expect((await reader.list('ConfigMap', 'a')).map((o) => o.metadata.name)).toEqual(['one']);
    expect((await reader.list('ConfigMap', null)).map((o) => o.metadata.name)).toEqual(['one', 'two']);
    expect((await reader.list('ConfigMap', null, { labelSelector: 'app=y' })).map((o) => o.metadata.name)).toEqual([
      'two',
    ]);
    expect(await reader.list('ConfigMap', null, { labelSelector: 'app notin (x,y)' })).toEqual([]);
  });

  it('tells a Flux Kustomization from a kustomize.config.k8s.io one by API group', async () => {
    expect((await reader.list('Kustomization', 'a')).map((o) => o.metadata.name)).toEqual(['flux']);
  });
});

describe('streamed snapshot files (those over the one-document limit)', () => {
  const list = (n: number) =>
    'apiVersion: v1\nitems:\n' +
    Array.from({ length: n }, (_, i) => `- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-${i}\n    namespace: ns\n  data:\n    pipelines: |\n      stages:\n      - name: dev\n`).join('') +
    'kind: List\nmetadata:\n  resourceVersion: ""\n';

  it('reads a kind: List item by item, with the same objects as the whole-document parser', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stream-'));
    const text = `${cm('a', 'one')}---\n${list(50)}---\n${cm('b', 'two')}`;
    await writeFile(join(dir, 'big.yaml'), text);
    const streamed = await streamSnapshotFile(join(dir, 'big.yaml'), 'big.yaml', (o) => o);
    expect(streamed).toEqual(parseSnapshotText(text, 'big.yaml'));
    expect(streamed).toHaveLength(52);
  });

  it('names the file and line of a broken item, as for small files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stream-bad-'));
    await writeFile(join(dir, 'bad.yaml'), `${list(2)}`.replace('name: cm-1', 'name: [oops'));
    await expect(streamSnapshotFile(join(dir, 'bad.yaml'), 'bad.yaml', (o) => o)).rejects.toThrow(/^bad\.yaml:\d+: invalid YAML: /);
    await writeFile(join(dir, 'noname.yaml'), list(2).replace('    name: cm-1\n', ''));
    await expect(streamSnapshotFile(join(dir, 'noname.yaml'), 'noname.yaml', (o) => o)).rejects.toThrow('noname.yaml:12: document 1, items[1] (ConfigMap) has no metadata.name');
  });
});

describe('a watched snapshot directory', () => {
  it('applies edited, added and removed files as changes, and keeps the last good state (stale) while a file is broken', async () => {
    const { SnapshotSource } = await import('./snapshot-source.js');
    const { rm } = await import('node:fs/promises');
    const dir = await mkdtemp(join(tmpdir(), 'snapshot-watch-'));
    await writeFile(join(dir, 'a.yaml'), cm('ns', 'one', { v: '1' }));
    const source = await SnapshotSource.load(dir, 'test', { watch: true });
    try {
      const changes: string[] = [];
      const seen = (n: number) =>
        new Promise<void>((resolve) => {
          const check = () => changes.length >= n && (stop(), resolve());
          const stop = source.subscribe((e) => {
            if (e.type === 'change') changes.push(`${e.change.type} ${e.change.object.metadata.name} ${e.change.object.metadata.labels?.v ?? ''}`.trim());
            check();
          });
          check();
        });

      await writeFile(join(dir, 'a.yaml'), cm('ns', 'one', { v: '2' }));
      await writeFile(join(dir, 'b.yaml'), cm('ns', 'two'));
      await seen(2);
      expect(changes.sort()).toEqual(['ADDED two', 'MODIFIED one 2']);

      await rm(join(dir, 'b.yaml'));
      await seen(3);
      expect(changes[2]).toBe('DELETED two');

      await writeFile(join(dir, 'a.yaml'), 'kind: [broken');
      const reader = source.readerFor();
      for (let i = 0; i < 400 && !reader.freshness!().stale; i++) await new Promise((r) => setTimeout(r, 25));
      expect(reader.freshness!().stale).toBe(true);
      expect((await reader.list('ConfigMap', 'ns')).map((o) => o.metadata.labels?.v)).toEqual(['2']);

      await writeFile(join(dir, 'a.yaml'), cm('ns', 'one', { v: '3' }));
      await seen(4);
      expect(changes[3]).toBe('MODIFIED one 3');
      expect(reader.freshness!().stale).toBe(false);
    } finally {
      await source.stop();
    }
  });
});
