import type { Workload } from '../../model/workload.js';
import { builder } from '../builder.js';
import { NodeInterface } from './node.js';
import { ImageType } from './image.js';

export const WorkloadType = builder.objectRef<Workload>('Workload').implement({
  description: 'A workload a release manages (a Deployment, StatefulSet or DaemonSet), with its replica counts and images.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable id: "<kind>:<namespace>/<name>".' }),
    kind: t.exposeString('kind', { description: 'The Kubernetes kind: "Deployment", "StatefulSet" or "DaemonSet".' }),
    name: t.exposeString('name', { description: 'The object name.' }),
    namespace: t.exposeString('namespace', { description: 'The object namespace.' }),
    replicas: t.exposeInt('replicas', {
      description: 'Desired replicas (spec.replicas; Kubernetes defaults it to 1). For a DaemonSet: status.desiredNumberScheduled, and the counts below are its numberReady, updatedNumberScheduled and numberAvailable.',
    }),
    readyReplicas: t.exposeInt('readyReplicas', { description: 'Replicas ready to serve (status.readyReplicas).' }),
    updatedReplicas: t.exposeInt('updatedReplicas', { description: 'Replicas running the current pod template.' }),
    availableReplicas: t.exposeInt('availableReplicas', { description: 'Replicas available for at least minReadySeconds.' }),
    images: t.field({
      type: [ImageType],
      description: 'Images of the pod template, init containers first, in spec order.',
      resolve: (w) => w.images,
    }),
  }),
});
