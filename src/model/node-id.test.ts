import { describe, expect, it } from 'vitest';
import { parseNodeId } from './node-id.js';
import { pipelineId, stageId } from './pipeline.js';

describe('parseNodeId', () => {
  it('reads back every id the model builds', () => {
    const p = pipelineId('STAGE', 'flux-system', 'example-pipeline-stage');
    expect(parseNodeId(p)).toEqual({ type: 'Pipeline', approach: 'STAGE', namespace: 'flux-system', name: 'example-pipeline-stage' });
    expect(parseNodeId(stageId(p, 'prod'))).toMatchObject({ type: 'Stage', approach: 'STAGE', stage: 'prod' });
    expect(parseNodeId('HelmRelease:dev/podinfo-pipeline-helm')).toEqual({ type: 'Release', kind: 'HelmRelease', namespace: 'dev', name: 'podinfo-pipeline-helm' });
    expect(parseNodeId('StatefulSet:dev/db')).toEqual({ type: 'Workload', kind: 'StatefulSet', namespace: 'dev', name: 'db' });
    expect(parseNodeId('Deployment:dev/podinfo:container:podinfod')).toEqual({ type: 'Image', kind: 'Deployment', namespace: 'dev', name: 'podinfo', container: 'podinfod' });
    expect(parseNodeId('ConfigMap:flux-system/example-pipeline')).toMatchObject({ type: 'DefinitionReference', kind: 'ConfigMap' });
    expect(parseNodeId('GitRepository:flux-system/repo')).toMatchObject({ type: 'SourceReference', kind: 'GitRepository' });
  });

  it.each(['', 'Pipeline:NOPE:ns/name', 'Secret:ns/name', 'Deployment:ns/../x', 'Deployment:NS/x', 'HelmRelease:ns', 'Pod:ns/p:container:c'])('refuses %j', (id) => {
    expect(parseNodeId(id)).toBeNull();
  });
});

describe('parseNodeId, exactly', () => {
  it('reads every kind in full, the stage and the container included', () => {
    expect(parseNodeId('Pipeline:CM:team-a/shop.v2:stage:prod-1')).toEqual({ type: 'Stage', approach: 'CM', namespace: 'team-a', name: 'shop.v2', stage: 'prod-1' });
    expect(parseNodeId('Pipeline:HYBRID:team-a/shop')).toEqual({ type: 'Pipeline', approach: 'HYBRID', namespace: 'team-a', name: 'shop' });
    expect(parseNodeId('Kustomization:dev/app')).toEqual({ type: 'Release', kind: 'Kustomization', namespace: 'dev', name: 'app' });
    expect(parseNodeId('DaemonSet:dev/agent:container:side:car')).toEqual({ type: 'Image', kind: 'DaemonSet', namespace: 'dev', name: 'agent', container: 'side:car' });
    expect(parseNodeId('Deployment:dev/web')).toEqual({ type: 'Workload', kind: 'Deployment', namespace: 'dev', name: 'web' });
    expect(parseNodeId('Pipeline:flux-system/shop')).toEqual({ type: 'DefinitionReference', kind: 'Pipeline', namespace: 'flux-system', name: 'shop' });
    expect(parseNodeId('ConfigMap:flux-system/shop')).toEqual({ type: 'DefinitionReference', kind: 'ConfigMap', namespace: 'flux-system', name: 'shop' });
    for (const kind of ['GitRepository', 'OCIRepository', 'Bucket', 'ExternalArtifact']) {
      expect(parseNodeId(`${kind}:flux-system/src`)).toEqual({ type: 'SourceReference', kind, namespace: 'flux-system', name: 'src' });
    }
  });

  it.each([
    ' Pipeline:HYBRID:ns/name',
    'Pipeline:HYBRID:ns/name ',
    'Pipeline:HYBRID:ns/name:stage:',
    'Pipeline:HYBRID:ns/name:stage:Prod',
    'Pipeline:HYBRID:ns/-name',
    'Pipeline:HYBRID:ns/name-',
    ' Deployment:ns/web:container:c',
    'Deployment:ns/web:container:',
    'Pod:ns/web:container:c',
    ' HelmRelease:ns/n',
    'HelmRelease:ns/n ',
    'HelmRelease:ns/n/x',
    'HelmRelease:/n',
    'HelmRelease:ns/',
    'Help:ns/n',
    'Repository:ns/n',
  ])('refuses %j', (id) => {
    expect(parseNodeId(id)).toBeNull();
  });
});
