import type { ImageRef } from './image-ref.js';

export interface ContainerImage extends ImageRef {
  id: string;
  container: string;
  /** True for init containers. */
  init: boolean;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface Workload {
  id: string;
  kind: WorkloadKind;
  name: string;
  namespace: string;
  /**
   * Desired replicas (Kubernetes defaults a missing value to 1). For a DaemonSet, the
   * pods it should run (status.desiredNumberScheduled), and the counts below are its
   * numberReady, updatedNumberScheduled and numberAvailable.
   */
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  images: ContainerImage[];
  /** A Deployment whose Progressing condition says ProgressDeadlineExceeded: the rollout gave up. */
  rolloutFailed: boolean;
}

export const workloadId = (kind: string, namespace: string, name: string) =>
  `${kind}:${namespace}/${name}`;
