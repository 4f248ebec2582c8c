/**
 * The little we rely on in every Kubernetes object. Everything else is read
 * field by field, defensively, by whoever understands that kind.
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    creationTimestamp?: string;
  };
  spec?: unknown;
  status?: unknown;
  data?: Record<string, string>;
}

/**
 * The one order of every list answer (a stage's releases, workloads, pipelines): by
 * namespace, then name. Cluster-scoped objects (no namespace) come first.
 */
export const byNamespaceAndName = (a: KubeObject, b: KubeObject): number =>
  (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name);
