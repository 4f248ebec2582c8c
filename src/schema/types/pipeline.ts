import type { DefinitionSource, Pipeline } from '../../model/pipeline.js';
import { builder } from '../builder.js';
import { NodeInterface } from './node.js';
import { ApproachEnum } from './approach.js';
import { StageType } from './stage.js';

export const DefinitionReferenceType = builder.objectRef<DefinitionSource>('DefinitionReference').implement({
  description: 'The Kubernetes object that defines a pipeline.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.id({ description: 'Stable id: "<kind>:<namespace>/<name>".', resolve: (d) => `${d.kind}:${d.namespace}/${d.name}` }),
    kind: t.exposeString('kind', { description: '"Pipeline" or "ConfigMap".' }),
    namespace: t.exposeString('namespace', { description: 'The object namespace.' }),
    name: t.exposeString('name', { description: 'The object name.' }),
  }),
});

export const PipelineType = builder.objectRef<Pipeline>('Pipeline').implement({
  description: 'A delivery pipeline: ordered stages, each with the Flux releases deployed there.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable id: "Pipeline:<approach>:<namespace>/<name>".' }),
    name: t.exposeString('name', { description: 'The pipeline name (the defining object\'s name).' }),
    namespace: t.exposeString('namespace', { description: 'The namespace the definition lives in.' }),
    approach: t.field({ type: ApproachEnum, description: 'How this pipeline is defined.', resolve: (p) => p.approach }),
    definedBy: t.field({
      type: DefinitionReferenceType,
      description: 'The object holding the definition.',
      resolve: (p) => p.definedBy,
    }),
    stages: t.field({ type: [StageType], description: 'The stages, sorted by order.', resolve: (p) => p.stages }),
  }),
});
