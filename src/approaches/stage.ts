import type { KubeObject } from '../cluster/kube-object.js';
import type { ReleaseRef } from '../model/pipeline.js';
import { buildPipeline, objectRef, type ApproachDefinition } from './approach-definition.js';
import { FieldReader, InvalidDefinitionError } from './definition-fields.js';
import { pipelineShapeOf } from './pipeline-shape.js';
import { readReleaseRefs } from './release-refs.js';
import type { StageSpec } from './stage-list.js';

/**
 * STAGE: a v1alpha3 Pipeline of `environments`, each pointing at a PipelineStage that
 * lists the releases. Environment order is list order. The PipelineStage objects are
 * read only when a query asks for releases, so a missing one fails only its stage.
 */
export const stageApproach: ApproachDefinition = {
  approach: 'STAGE',
  definitionKind: 'Pipeline',
  accepts: (object) => pipelineShapeOf(object) === 'STAGE',
  decode(object) {
    const fields = new FieldReader();
    // Stryker disable next-line StringLiteral: equivalent, accepts() admits only objects with spec.environments
    const spec = fields.record(object.spec, 'spec');
    // Stryker disable next-line BooleanLiteral: equivalent, spec is always a mapping here (see above)
    const environments = spec ? (fields.list(spec.environments, 'spec.environments', { required: true, minItems: 1 }) ?? []) : [];
    const stages: (StageSpec & { stageRef: string })[] = [];
    const names = new Set<string>();
    environments.forEach((item, i) => {
      const at = `spec.environments[${i}]`;
      const env = fields.record(item, at);
      if (!env) return;
      const name = fields.string(env.name, `${at}.name`, { required: true, rule: 'namespace' });
      const ref = fields.record(env.stageRef, `${at}.stageRef`);
      const refName = ref && fields.string(ref.name, `${at}.stageRef.name`, { required: true, rule: 'name' });
      const refNamespace = ref && fields.string(ref.namespace, `${at}.stageRef.namespace`, { required: true, rule: 'namespace' });
      // Stryker disable next-line ConditionalExpression: equivalent, names never holds undefined
      if (name !== undefined && names.has(name)) fields.problem(`${at}.name`, `"${name}" is used by more than one environment; it must be unique`);
      // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, each missing part is already a problem, and problems throw below
      if (name === undefined || !refName || !refNamespace) return;
      names.add(name);
      stages.push({ name, namespace: refNamespace, order: i + 1, cluster: null, stageRef: refName });
    });
    if (fields.problems.length > 0) throw new InvalidDefinitionError(objectRef(object), fields.problems);
    return buildPipeline('STAGE', object, 'Pipeline', stages, (s) => ({
      type: 'stage-object',
      name: (s as (typeof stages)[number]).stageRef,
      namespace: s.namespace,
    }));
  },
};

/** The releaseRefs of a PipelineStage, resolved in the PipelineStage's own namespace. */
export function decodePipelineStage(object: KubeObject): ReleaseRef[] {
  const fields = new FieldReader();
  const spec = fields.record(object.spec, 'spec');
  const refs = spec ? readReleaseRefs(fields, spec.releaseRefs, 'spec.releaseRefs', object.metadata.namespace) : undefined;
  if (fields.problems.length > 0 || !refs) throw new InvalidDefinitionError(objectRef(object), fields.problems);
  return refs;
}
