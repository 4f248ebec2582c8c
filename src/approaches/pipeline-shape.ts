import type { KubeObject } from '../cluster/kube-object.js';

export type PipelineShape = 'HYBRID' | 'CRD' | 'STAGE';

/**
 * Which approach a Pipeline object belongs to, read from its shape. The API version
 * cannot tell: all three versions are one CRD, and the API server returns every stored
 * Pipeline at whichever version it is asked for. The CRD keeps the versions apart by
 * shape instead (see crds/): v1alpha3 has `environments`, v1alpha2 stages carry
 * `releaseRefs`, v1alpha1 stages do not. A stage list where only some stages carry
 * refs counts as CRD, so its CRD validation names the stages that lack them.
 */
export function pipelineShapeOf(object: KubeObject): PipelineShape {
  // Any non-null spec can be asked for a field: a string or number spec just has none.
  const spec = object.spec as Record<string, unknown> | null | undefined;
  if (spec?.environments !== undefined) return 'STAGE';
  const stages = spec?.stages;
  if (Array.isArray(stages) && stages.some((s) => s && typeof s === 'object' && 'releaseRefs' in s)) return 'CRD';
  return 'HYBRID';
}
