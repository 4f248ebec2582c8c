// Large snapshots are parsed on worker threads (src/cluster/snapshot/parse-pool.ts). A
// worker runs built JavaScript, so this drives the built module (dist/, built by the global
// setup) and compares it with the in-process parser: same objects, same errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSnapshotFile } from '../src/cluster/snapshot/load-snapshot.js';
import { projectObject } from '../src/cluster/store/projection.js';

const dir = mkdtempSync(join(tmpdir(), 'parse-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const deployment = (ns: string, name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"secret":"x"}'
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/example/${name}:1.0.0
          env: [{ name: PASSWORD, value: hunter2 }]
status:
  readyReplicas: 1
`;

function write(name: string, text: string): { file: string; shown: string } {
  const file = join(dir, name);
  writeFileSync(file, text);
  return { file, shown: name };
}

describe('parsing snapshot files on worker threads', async () => {
  const { parseFilesInWorkers, workersAvailable } = await import(new URL('../dist/src/cluster/snapshot/parse-pool.js', import.meta.url).href);

  it('gives the objects the in-process parser gives, projected, in the files order', async () => {
    expect(workersAvailable()).toBe(true);
    const files = [0, 1, 2].map((i) => write(`ok-${i}.yaml`, [0, 1].map((j) => deployment(`ns-${i}`, `app-${j}`)).join('---\n')));
    const inWorkers = await parseFilesInWorkers(files, 2);
    const inProcess = await Promise.all(files.map((f) => parseSnapshotFile(f.file, f.shown, { project: projectObject })));
    expect(inWorkers).toEqual(inProcess);
    expect(JSON.stringify(inWorkers)).not.toContain('hunter2');
  });

  it('gives what the in-process path stores: the JSON round trip, so a YAML .nan or .inf is null either way', async () => {
    // The in-process path keeps JSON.parse(JSON.stringify(projected)) (snapshot-source.ts,
    // storedForm). A structured clone would have kept NaN and Infinity here, so a value
    // depended on whether the snapshot was large enough for threads.
    const odd = deployment('ns-odd', 'odd').replace('readyReplicas: 1', 'readyReplicas: .nan\n  replicas: .inf\n  updatedReplicas: -.inf');
    const files = [write('odd-0.yaml', odd), write('odd-1.yaml', deployment('ns-odd', 'even'))];
    const inWorkers = await parseFilesInWorkers(files, 2);
    const stored = await Promise.all(files.map(async (f) => JSON.parse(JSON.stringify(await parseSnapshotFile(f.file, f.shown, { project: projectObject })))));
    expect(inWorkers).toEqual(stored);
    expect(inWorkers[0][0].status).toEqual({ readyReplicas: null, replicas: null, updatedReplicas: null });
  });

  it('hands a file of more objects than one JSON text holds back whole and in order', async () => {
    const many = write('many.yaml', Array.from({ length: 5_001 }, (_, j) => deployment('ns-many', `app-${j}`)).join('---\n'));
    const files = [many, write('few.yaml', deployment('ns-few', 'app'))];
    const [inWorkers, expected] = await Promise.all([
      parseFilesInWorkers(files, 2),
      Promise.all(files.map((f) => parseSnapshotFile(f.file, f.shown, { project: projectObject }))),
    ]);
    expect(inWorkers[0]).toHaveLength(5_001);
    expect(inWorkers[0][5_000].metadata.name).toBe('app-5000');
    expect(inWorkers).toEqual(expected);
  });

  it('fails with the error, file and line the in-process parser reports', async () => {
    const good = write('good.yaml', deployment('a', 'b'));
    const bad = write('bad.yaml', `${deployment('a', 'c')}---\nkind: Deployment\nmetadata: {name: x}\n`);
    const expected = await parseSnapshotFile(bad.file, bad.shown).catch((e: Error) => e);
    expect(expected).toBeInstanceOf(Error);
    const error = await parseFilesInWorkers([good, bad], 2).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('SnapshotError');
    expect((error as Error).message).toBe((expected as Error).message);
  });
});
