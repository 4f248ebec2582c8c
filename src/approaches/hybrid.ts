import { buildPipeline, objectRef, type ApproachDefinition } from './approach-definition.js';
import { FieldReader, InvalidDefinitionError } from './definition-fields.js';
import { pipelineShapeOf } from './pipeline-shape.js';
import { readStageList } from './stage-list.js';
import { labelMembership } from './label-membership.js';

/** HYBRID: a v1alpha1 Pipeline lists stages; releases opt in with the pipeline label. */
export const hybridApproach: ApproachDefinition = {
  approach: 'HYBRID',
  definitionKind: 'Pipeline',
  accepts: (object) => pipelineShapeOf(object) === 'HYBRID',
  decode(object) {
    const fields = new FieldReader();
    const spec = fields.record(object.spec, 'spec');
    // Stryker disable next-line ObjectLiteral,ArrayDeclaration: equivalent, refs defaults to off and the [] is never used (a missing spec is a problem, which throws below)
    const stages = spec ? readStageList(fields, spec.stages, 'spec.stages', { refs: false }) : [];
    const membership = labelMembership(fields, object.metadata.name, 'metadata.name');
    if (fields.problems.length > 0) throw new InvalidDefinitionError(objectRef(object), fields.problems);
    return buildPipeline('HYBRID', object, 'Pipeline', stages, () => membership);
  },
};
