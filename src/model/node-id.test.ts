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
