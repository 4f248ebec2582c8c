import { PIPELINE_LABEL, type StageMembership } from '../model/pipeline.js';
import type { FieldReader } from './definition-fields.js';

/**
 * The opt-in label a HYBRID or CM pipeline selects its releases by. Its value is the
 * pipeline's name, which must be a valid label value before it goes into any selector.
 */
export function labelMembership(fields: FieldReader, pipelineName: string, path: string): StageMembership {
  // Stryker disable next-line BooleanLiteral: equivalent, metadata.name is always a string, so "required" never applies
  fields.string(pipelineName, path, { required: true, rule: 'label-value' });
  return { type: 'label', key: PIPELINE_LABEL, value: pipelineName };
}
