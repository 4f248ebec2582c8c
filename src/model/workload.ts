import type { ImageRef } from './image-ref.js';

export interface ContainerImage extends ImageRef {
  id: string;
  container: string;
  /** True for init containers. */
  init: boolean;
}

export interface Workload {
  id: string;
  kind: 'Deployment';
  name: string;
  namespace: string;
  /** Desired replicas (Kubernetes defaults a missing value to 1). */
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  images: ContainerImage[];
}

export const workloadId = (kind: string, namespace: string, name: string) =>
  `${kind}:${namespace}/${name}`;
