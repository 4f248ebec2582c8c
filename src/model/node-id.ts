import { APPROACHES, type Approach, RELEASE_KINDS, type ReleaseKind } from './pipeline.js';
import { WORKLOAD_KINDS, type WorkloadKind } from './workload.js';

/**
 * What an object id names, read back from the id alone. Ids are built by the model
 * (pipelineId, stageId, releaseId, workloadId, image and reference ids), and every one
 * says what it is, so `Query.node` can refetch any of them without a lookup table.
 */
export type NodeId =
  | { type: 'Pipeline'; approach: Approach; namespace: string; name: string }
  | { type: 'Stage'; approach: Approach; namespace: string; name: string; stage: string }
  | { type: 'Release'; kind: ReleaseKind; namespace: string; name: string }
  | { type: 'Workload'; kind: WorkloadKind; namespace: string; name: string }
  | { type: 'Image'; kind: WorkloadKind; namespace: string; name: string; container: string }
  | { type: 'DefinitionReference'; kind: 'Pipeline' | 'ConfigMap'; namespace: string; name: string }
  | { type: 'SourceReference'; kind: string; namespace: string; name: string };

/** Source kinds a Kustomization's sourceRef may name. */
export const SOURCE_KINDS = ['GitRepository', 'OCIRepository', 'Bucket', 'ExternalArtifact'] as const;

const NAME = '[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?';
const OBJECT = new RegExp(`^(?<kind>[A-Za-z]+):(?<namespace>${NAME})/(?<name>${NAME})$`);
const PIPELINE = new RegExp(`^Pipeline:(?<approach>[A-Z]+):(?<namespace>${NAME})/(?<name>${NAME})(?::stage:(?<stage>${NAME}))?$`);
const IMAGE = new RegExp(`^(?<kind>[A-Za-z]+):(?<namespace>${NAME})/(?<name>${NAME}):container:(?<container>.+)$`);

const oneOf = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

export function parseNodeId(id: string): NodeId | null {
  const pipeline = PIPELINE.exec(id)?.groups;
  if (pipeline) {
    // Stryker disable next-line StringLiteral: a group of a match is always a string; the default only satisfies the type
    const { approach = '', namespace = '', name = '', stage } = pipeline;
    if (!oneOf(APPROACHES, approach)) return null;
    return stage === undefined ? { type: 'Pipeline', approach, namespace, name } : { type: 'Stage', approach, namespace, name, stage };
  }
  const image = IMAGE.exec(id)?.groups;
  if (image) {
    // Stryker disable next-line StringLiteral: a group of a match is always a string; the default only satisfies the type
    const { kind = '', namespace = '', name = '', container = '' } = image;
    return oneOf(WORKLOAD_KINDS, kind) ? { type: 'Image', kind, namespace, name, container } : null;
  }
  const object = OBJECT.exec(id)?.groups;
  if (!object) return null;
  // Stryker disable next-line StringLiteral: a group of a match is always a string; the default only satisfies the type
  const { kind = '', namespace = '', name = '' } = object;
  if (oneOf(RELEASE_KINDS, kind)) return { type: 'Release', kind, namespace, name };
  if (oneOf(WORKLOAD_KINDS, kind)) return { type: 'Workload', kind, namespace, name };
  if (kind === 'Pipeline' || kind === 'ConfigMap') return { type: 'DefinitionReference', kind, namespace, name };
  if (oneOf(SOURCE_KINDS, kind)) return { type: 'SourceReference', kind, namespace, name };
  return null;
}
