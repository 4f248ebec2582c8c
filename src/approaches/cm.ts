import { parseYamlDocuments, YamlParseError, formatYamlProblem } from '../util/safe-yaml.js';
import { buildPipeline, objectRef, type ApproachDefinition } from './approach-definition.js';
import { FieldReader, InvalidDefinitionError } from './definition-fields.js';
import { labelMembership } from './label-membership.js';
import { readStageList } from './stage-list.js';

export const CM_DATA_KEY = 'pipelines';

/**
 * The text lives in a ConfigMap anyone with edit rights in the namespace can write:
 * no anchors/aliases, a size cap well under the ConfigMap limit, bounded nesting.
 */
const CM_YAML_LIMITS = { maxLength: 256 * 1024, maxAliasCount: 0, maxDepth: 32 };

/** CM: any ConfigMap with a `pipelines` data key holding `stages` YAML; releases opt in by label. */
export const cmApproach: ApproachDefinition = {
  approach: 'CM',
  definitionKind: 'ConfigMap',
  accepts: (object) => object.data !== undefined && object.data !== null && CM_DATA_KEY in object.data,
  decode(object) {
    const fields = new FieldReader(`data.${CM_DATA_KEY}`);
    // Stryker disable next-line OptionalChaining: equivalent, decode runs only on what accepts(), which needs data
    const text = object.data?.[CM_DATA_KEY];
    let stagesRaw: unknown;
    if (typeof text !== 'string') {
      fields.problem('', 'expected YAML text');
    } else {
      try {
        const documents = parseYamlDocuments(text, CM_YAML_LIMITS);
        if (documents.length !== 1) fields.problem('', `expected one YAML document, got ${documents.length}`);
        const root = fields.record(documents[0]?.value, 'document');
        stagesRaw = root?.stages;
      } catch (e) {
        // Stryker disable next-line ConditionalExpression: equivalent, parseYamlDocuments throws nothing else
        if (!(e instanceof YamlParseError)) throw e;
        fields.problem('', `invalid YAML at ${formatYamlProblem(e.problem)}`);
      }
    }
    // Stryker disable next-line ObjectLiteral,ArrayDeclaration: equivalent, refs defaults to off and the [] is never used (problems throw below)
    const stages = fields.problems.length === 0 ? readStageList(fields, stagesRaw, 'stages', { refs: false }) : [];
    const nameFields = new FieldReader();
    const membership = labelMembership(nameFields, object.metadata.name, 'metadata.name');
    const problems = [...nameFields.problems, ...fields.problems];
    if (problems.length > 0) throw new InvalidDefinitionError(objectRef(object), problems);
    return buildPipeline('CM', object, 'ConfigMap', stages, () => membership);
  },
};
