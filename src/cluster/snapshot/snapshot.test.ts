import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot, parseSnapshotText, SnapshotError } from './load-snapshot.js';
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

  it('loads every YAML file of a directory tree and ignores other files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snapshot-'));
    await mkdir(join(dir, 'nested'));
    await writeFile(join(dir, 'a.yaml'), cm('a', 'one'));
    await writeFile(join(dir, 'nested', 'b.yml'), cm('b', 'two'));
    await writeFile(join(dir, 'README.md'), '# not yaml: [');
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
