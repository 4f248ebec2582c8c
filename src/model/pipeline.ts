/**
 * The backing model: what a pipeline is, independent of how it was defined in
 * Kubernetes and of how GraphQL shows it. Approaches map their objects into these
 * shapes; the schema exposes them.
 */
export const APPROACHES = ['HYBRID', 'CRD', 'STAGE', 'CM'] as const;
export type Approach = (typeof APPROACHES)[number];

export const RELEASE_KINDS = ['Kustomization', 'HelmRelease'] as const;
export type ReleaseKind = (typeof RELEASE_KINDS)[number];

export const PIPELINE_LABEL = 'pipelines.wego.weave.works/name';

export interface ObjectName {
  namespace: string;
  name: string;
}

/** Where a pipeline's definition lives (a Pipeline object or a ConfigMap). */
export interface DefinitionSource extends ObjectName {
  kind: 'Pipeline' | 'ConfigMap';
}

export interface Pipeline {
  id: string;
  approach: Approach;
  name: string;
  namespace: string;
  definedBy: DefinitionSource;
  /** Sorted by `order`. */
  stages: Stage[];
}

/** A reference to a Flux release, by kind and name, in a known namespace. */
export interface ReleaseRef {
  kind: string;
  name: string;
  namespace: string;
}

/**
 * How a stage's releases are found. Label membership is the HYBRID/CM opt-in;
 * refs are listed in the definition (CRD); a stage object is a PipelineStage
 * that must be read before its refs are known (STAGE).
 */
export type StageMembership =
  | { type: 'label'; key: string; value: string }
  | { type: 'refs'; refs: ReleaseRef[] }
  | { type: 'stage-object'; name: string; namespace: string };

export interface Stage {
  id: string;
  pipelineId: string;
  name: string;
  namespace: string;
  order: number;
  cluster: string | null;
  membership: StageMembership;
}

export const pipelineId = (approach: Approach, namespace: string, name: string) =>
  `Pipeline:${approach}:${namespace}/${name}`;

export const stageId = (pipeline: string, stage: string) => `${pipeline}:stage:${stage}`;
