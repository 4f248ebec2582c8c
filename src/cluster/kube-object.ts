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
