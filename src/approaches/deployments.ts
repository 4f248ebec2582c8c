import type { KubeObject } from '../cluster/kube-object.js';
import { parseImageRef } from '../model/image-ref.js';
import { WORKLOAD_KINDS, workloadId, type ContainerImage, type Workload, type WorkloadKind } from '../model/workload.js';
import { listAt, numberAt, stringAt } from './object-fields.js';

/**
 * A Deployment, StatefulSet or DaemonSet → a workload: replica counts and container images,
 * nothing else (no env, no args). A DaemonSet has no spec.replicas: its desired count is
 * how many nodes it should run on, and its status counts are named differently.
 */
export function decodeWorkload(object: KubeObject): Workload {
  // Stryker disable next-line StringLiteral: equivalent, only workload kinds are ever decoded here (the fallback is for the compiler)
  const kind: WorkloadKind = WORKLOAD_KINDS.find((k) => k === object.kind) ?? 'Deployment';
  const namespace = object.metadata.namespace ?? '';
  const id = workloadId(kind, namespace, object.metadata.name);
  const images = (field: 'containers' | 'initContainers', init: boolean): ContainerImage[] =>
    listAt(object.spec, 'template', 'spec', field).flatMap((c) => {
      const image = stringAt(c, 'image');
      const container = stringAt(c, 'name') ?? '';
      return image ? [{ id: `${id}:container:${container}`, container, init, ...parseImageRef(image) }] : [];
    });
  const daemon = kind === 'DaemonSet';
  const progressing = listAt(object.status, 'conditions').find((c) => stringAt(c, 'type') === 'Progressing');
  return {
    id,
    kind,
    name: object.metadata.name,
    namespace,
    replicas: daemon ? (numberAt(object.status, 'desiredNumberScheduled') ?? 0) : (numberAt(object.spec, 'replicas') ?? 1),
    readyReplicas: numberAt(object.status, daemon ? 'numberReady' : 'readyReplicas') ?? 0,
    updatedReplicas: numberAt(object.status, daemon ? 'updatedNumberScheduled' : 'updatedReplicas') ?? 0,
    availableReplicas: numberAt(object.status, daemon ? 'numberAvailable' : 'availableReplicas') ?? 0,
    images: [...images('initContainers', true), ...images('containers', false)],
    rolloutFailed: stringAt(progressing, 'status') === 'False' && stringAt(progressing, 'reason') === 'ProgressDeadlineExceeded',
  };
}

/** Kept for readers that only know Deployments. */
export const decodeDeployment = decodeWorkload;
