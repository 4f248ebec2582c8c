// Which approach a Pipeline object belongs to, and what each approach decodes it into
// (README "Four ways to define a pipeline": v1alpha1 stages → HYBRID, stages with releaseRefs
// → CRD, environments → STAGE; a ConfigMap with data.pipelines → CM).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/cluster/kube-object.js';
import { pipelineShapeOf } from '../src/approaches/pipeline-shape.js';
import { APPROACH_DEFINITIONS, allApproaches } from '../src/approaches/registry.js';
import { PIPELINE_LABEL } from '../src/model/pipeline.js';

const pipeline = (spec: unknown, name = 'shop'): KubeObject => ({ apiVersion: 'wego.weave.works/v1alpha1', kind: 'Pipeline', metadata: { namespace: 'flux-system', name }, spec });

describe('pipelineShapeOf', () => {
  it.each([
    [{ environments: [] }, 'STAGE'],
    [{ environments: null, stages: [{ releaseRefs: [] }] }, 'STAGE'],
    [{ stages: [{ name: 'a' }, { name: 'b', releaseRefs: [] }] }, 'CRD'],
    [{ stages: [{ name: 'a', releaseRefs: undefined }] }, 'CRD'],
    [{ stages: [{ name: 'a' }] }, 'HYBRID'],
    [{ stages: [null, 'releaseRefs', 7] }, 'HYBRID'],
    [{ stages: { releaseRefs: [] } }, 'HYBRID'],
    [{}, 'HYBRID'],
    ['a string spec', 'HYBRID'],
    [undefined, 'HYBRID'],
    [null, 'HYBRID'],
    [7, 'HYBRID'],
  ] as const)('%j is %s', (spec, shape) => {
    expect(pipelineShapeOf(pipeline(spec))).toBe(shape);
  });
});

describe('the approach registry', () => {
  it('lists every approach once, in the order of APPROACHES, each reading its own kind', () => {
    expect(allApproaches().map((a) => [a.approach, a.definitionKind])).toEqual([
      ['HYBRID', 'Pipeline'],
      ['CRD', 'Pipeline'],
      ['STAGE', 'Pipeline'],
      ['CM', 'ConfigMap'],
    ]);
  });

  it('gives each Pipeline object to exactly one approach', () => {
    const shapes = [pipeline({ stages: [] }), pipeline({ stages: [{ releaseRefs: [] }] }), pipeline({ environments: [] })];
    expect(shapes.map((o) => ['HYBRID', 'CRD', 'STAGE'].filter((a) => APPROACH_DEFINITIONS[a as 'HYBRID'].accepts(o)))).toEqual([['HYBRID'], ['CRD'], ['STAGE']]);
  });

  it('HYBRID: stages with the pipeline label as membership, ids from approach, namespace and name', () => {
    const decoded = APPROACH_DEFINITIONS.HYBRID.decode(pipeline({ stages: [{ name: 'prod', namespace: 'prod', order: 2, cluster: 'east' }, { name: 'dev', namespace: 'dev', order: 1 }] }));
    expect(decoded).toEqual({
      id: 'Pipeline:HYBRID:flux-system/shop',
      approach: 'HYBRID',
      name: 'shop',
      namespace: 'flux-system',
      definedBy: { kind: 'Pipeline', namespace: 'flux-system', name: 'shop' },
      stages: [
        { id: 'Pipeline:HYBRID:flux-system/shop:stage:dev', pipelineId: 'Pipeline:HYBRID:flux-system/shop', name: 'dev', namespace: 'dev', order: 1, cluster: null, membership: { type: 'label', key: PIPELINE_LABEL, value: 'shop' } },
        { id: 'Pipeline:HYBRID:flux-system/shop:stage:prod', pipelineId: 'Pipeline:HYBRID:flux-system/shop', name: 'prod', namespace: 'prod', order: 2, cluster: 'east', membership: { type: 'label', key: PIPELINE_LABEL, value: 'shop' } },
      ],
    });
  });

  it('HYBRID refuses a spec that is missing, and a name that cannot be a label value, naming both', () => {
    expect(() => APPROACH_DEFINITIONS.HYBRID.decode(pipeline(undefined, 'a'.repeat(64)))).toThrow(
      `Pipeline flux-system/${'a'.repeat(64)} is not a valid pipeline definition: spec: required; metadata.name: "${'a'.repeat(40)}…" must be at most 63 characters (is 64)`,
    );
  });

  it('reads a definition without a namespace as namespace ""', () => {
    const decoded = APPROACH_DEFINITIONS.HYBRID.decode({ ...pipeline({ stages: [{ name: 'dev', namespace: 'dev', order: 1 }] }), metadata: { name: 'shop' } });
    expect(decoded).toMatchObject({ id: 'Pipeline:HYBRID:/shop', namespace: '', definedBy: { kind: 'Pipeline', namespace: '', name: 'shop' } });
  });

  it('CRD: each stage resolves its own releaseRefs', () => {
    const decoded = APPROACH_DEFINITIONS.CRD.decode(pipeline({ stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'HelmRelease', name: 'web' }] }] }));
    expect(decoded.approach).toBe('CRD');
    expect(decoded.stages.map((s) => [s.id, s.membership])).toEqual([
      ['Pipeline:CRD:flux-system/shop:stage:dev', { type: 'refs', refs: [{ kind: 'HelmRelease', name: 'web', namespace: 'dev' }] }],
    ]);
    expect(() => APPROACH_DEFINITIONS.CRD.decode(pipeline('nope'))).toThrow('Pipeline flux-system/shop is not a valid pipeline definition: spec: expected a mapping, got "nope"');
  });
});
