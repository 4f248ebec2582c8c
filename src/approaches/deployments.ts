import type { KubeObject } from '../cluster/kube-object.js';
import { parseImageRef } from '../model/image-ref.js';
import { workloadId, type ContainerImage, type Workload } from '../model/workload.js';
import { listAt, numberAt, stringAt } from './object-fields.js';

/** A Deployment → a workload: replica counts and container images, nothing else (no env, no args). */
export function decodeDeployment(object: KubeObject): Workload {
  const namespace = object.metadata.namespace ?? '';
  const id = workloadId('Deployment', namespace, object.metadata.name);
  const images = (field: 'containers' | 'initContainers', init: boolean): ContainerImage[] =>
    listAt(object.spec, 'template', 'spec', field).flatMap((c) => {
      const image = stringAt(c, 'image');
      const container = stringAt(c, 'name') ?? '';
      return image ? [{ id: `${id}:container:${container}`, container, init, ...parseImageRef(image) }] : [];
    });
  return {
    id,
    kind: 'Deployment',
    name: object.metadata.name,
    namespace,
    replicas: numberAt(object.spec, 'replicas') ?? 1,
    readyReplicas: numberAt(object.status, 'readyReplicas') ?? 0,
    updatedReplicas: numberAt(object.status, 'updatedReplicas') ?? 0,
    availableReplicas: numberAt(object.status, 'availableReplicas') ?? 0,
    images: [...images('initContainers', true), ...images('containers', false)],
  };
}
