import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube-object.js';
import { ReadRecorder } from './read-recorder.js';
import { ObjectStore } from './object-store.js';
import { StoreReader } from './store-reader.js';

const LABEL = 'pipelines.wego.weave.works/name';
const release = (namespace: string, name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name, namespace, labels },
});

describe('ReadRecorder', () => {
  it('says a change concerns an evaluation only when it touches what that evaluation read', async () => {
    const store = new ObjectStore();
    store.replace('HelmRelease', [release('dev', 'a', { [LABEL]: 'p' })]);
    store.replace('Deployment', []);
    const recorder = new ReadRecorder();
    const reader = recorder.wrap(new StoreReader(store));
    await reader.listByLabels!('HelmRelease', 'dev', { [LABEL]: 'p' });
    await reader.get!('Deployment', 'dev', 'web');

    const change = (object: KubeObject, previous?: KubeObject) => ({ kind: object.kind as 'HelmRelease', type: 'MODIFIED' as const, object, previous });
    expect(recorder.concerns(change(release('dev', 'b', { [LABEL]: 'p' })))).toBe(true); // joins the answer
    expect(recorder.concerns(change(release('dev', 'a'), release('dev', 'a', { [LABEL]: 'p' })))).toBe(true); // leaves it
    expect(recorder.concerns(change(release('prod', 'b', { [LABEL]: 'p' })))).toBe(false); // another namespace
    expect(recorder.concerns(change(release('dev', 'c', { [LABEL]: 'other' })))).toBe(false); // another pipeline
    const deployment = (name: string): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'dev' } });
    expect(recorder.concerns({ kind: 'Deployment', type: 'ADDED', object: deployment('web') })).toBe(true);
    expect(recorder.concerns({ kind: 'Deployment', type: 'ADDED', object: deployment('api') })).toBe(false);
    expect(recorder.concerns({ kind: 'ConfigMap', type: 'ADDED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'dev' } } })).toBe(false);
    expect([...recorder.kinds()].sort()).toEqual(['Deployment', 'HelmRelease']);
  });

  it('lists each (kind, namespace) read once, a read over all namespaces apart from namespace ""', async () => {
    const recorder = new ReadRecorder();
    const reader = recorder.wrap({ list: async () => [] });
    await reader.list('HelmRelease', null);
    await reader.get!('HelmRelease', '', 'x');
    await reader.listByLabels!('HelmRelease', 'dev', { [LABEL]: 'p' });
    await reader.get!('HelmRelease', 'dev', 'y');
    await reader.listByInventoryEntry!('Deployment', 'dev', 'dev_web_apps_Deployment');
    expect(recorder.scopes()).toEqual([
      { kind: 'HelmRelease', namespace: null },
      { kind: 'HelmRelease', namespace: '' },
      { kind: 'HelmRelease', namespace: 'dev' },
      { kind: 'Deployment', namespace: 'dev' },
    ]);
  });

  it('an inventory read is not concerned by an object without a status, or without an inventory', async () => {
    const recorder = new ReadRecorder();
    await recorder.wrap({ list: async () => [] }).listByInventoryEntry!('Kustomization', 'dev', 'dev_web_apps_Deployment');
    const kustomization = (status?: object): KubeObject => ({ apiVersion: 'v1', kind: 'Kustomization', metadata: { name: 'k', namespace: 'dev' }, status });
    expect(recorder.concerns({ kind: 'Kustomization', type: 'ADDED', object: kustomization() })).toBe(false);
    expect(recorder.concerns({ kind: 'Kustomization', type: 'ADDED', object: kustomization({ conditions: [] }) })).toBe(false);
    expect(recorder.concerns({ kind: 'Kustomization', type: 'ADDED', object: kustomization({ inventory: { entries: [{ id: 'dev_web_apps_Deployment' }] } }) })).toBe(true);
  });

  it('over a reader that can only list, a label read answers the objects holding every label asked for', async () => {
    const recorder = new ReadRecorder();
    const objects = [release('dev', 'both', { [LABEL]: 'p', team: 'a' }), release('dev', 'one', { [LABEL]: 'p' }), { ...release('dev', 'none'), metadata: { name: 'none', namespace: 'dev' } }];
    const reader = recorder.wrap({ list: async () => objects });
    const found = await reader.listByLabels!('HelmRelease', 'dev', { [LABEL]: 'p', team: 'a' });
    expect(found.map((o) => o.metadata.name)).toEqual(['both']);
  });
});
