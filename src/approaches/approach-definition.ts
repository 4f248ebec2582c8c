import type { KubeObject } from '../cluster/kube-object.js';
import type { Approach, Pipeline, Stage, StageMembership } from '../model/pipeline.js';
import { pipelineId, stageId } from '../model/pipeline.js';
import type { ResourceKind } from '../cluster/resources.js';
import type { StageSpec } from './stage-list.js';

/** One way of defining a pipeline: which objects hold definitions and how to read one. */
export interface ApproachDefinition {
  approach: Approach;
  definitionKind: Extract<ResourceKind, 'Pipeline' | 'ConfigMap'>;
  /** Whether this object is a definition of this approach (whether or not it is valid). */
  accepts(object: KubeObject): boolean;
  /** The pipeline, or InvalidDefinitionError with every problem found. */
  decode(object: KubeObject): Pipeline;
}

export function buildPipeline(
  approach: Approach,
  object: KubeObject,
  definedByKind: 'Pipeline' | 'ConfigMap',
  stages: StageSpec[],
  membership: (stage: StageSpec) => StageMembership,
): Pipeline {
  const namespace = object.metadata.namespace ?? '';
  const name = object.metadata.name;
  const id = pipelineId(approach, namespace, name);
  return {
    id,
    approach,
    name,
    namespace,
    definedBy: { kind: definedByKind, namespace, name },
    stages: stages.map(
      (s): Stage => ({
        id: stageId(id, s.name),
        pipelineId: id,
        name: s.name,
        namespace: s.namespace,
        order: s.order,
        cluster: s.cluster,
        membership: membership(s),
      }),
    ),
  };
}

export const objectRef = (object: KubeObject) => ({
  kind: object.kind,
  namespace: object.metadata.namespace,
  name: object.metadata.name,
});
