import { buildPipeline, objectRef, type ApproachDefinition } from './approach-definition.js';
import { FieldReader, InvalidDefinitionError } from './definition-fields.js';
import { pipelineShapeOf } from './pipeline-shape.js';
import { readStageList } from './stage-list.js';

/** CRD: a v1alpha2 Pipeline whose stages list their releases as `releaseRefs`. */
export const crdApproach: ApproachDefinition = {
  approach: 'CRD',
  definitionKind: 'Pipeline',
  accepts: (object) => pipelineShapeOf(object) === 'CRD',
  decode(object) {
    const fields = new FieldReader();
    const spec = fields.record(object.spec, 'spec');
    // Stryker disable next-line ArrayDeclaration: equivalent, the [] is never used (a missing spec is a problem, which throws below)
    const stages = spec ? readStageList(fields, spec.stages, 'spec.stages', { refs: true }) : [];
    if (fields.problems.length > 0) throw new InvalidDefinitionError(objectRef(object), fields.problems);
    // Stryker disable next-line ArrayDeclaration: equivalent, with refs on every valid stage has refs (a missing list is a problem, which throws above)
    return buildPipeline('CRD', object, 'Pipeline', stages, (s) => ({ type: 'refs', refs: s.refs ?? [] }));
  },
};
