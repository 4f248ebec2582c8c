import type { ClusterConnection } from './cluster.js';
import type { ClusterControlEndpoint } from './cluster-control.js';

/** What the e2e global setup hands to test files. */
export interface SharedClusterInfo extends ClusterConnection {
  control: ClusterControlEndpoint;
  /** CRD resource names installed by the global setup (customresourcedefinition.apiextensions.k8s.io/...). */
  installedCrds: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2eCluster: SharedClusterInfo;
  }
}
