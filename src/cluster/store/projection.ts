import type { KubeObject } from '../kube-object.js';

/**
 * What an object keeps when it enters the store: only what the service reads. The rest
 * is dropped on entry because it is bulk (managedFields, last-applied copies) or may hold
 * secrets (HelmRelease values, container env and args), and what is never held can
 * neither leak nor fill the heap.
 */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function projectMetadata(metadata: KubeObject['metadata']): KubeObject['metadata'] {
  const { name, namespace, labels, annotations, uid, generation, resourceVersion, creationTimestamp } = metadata;
  const out: KubeObject['metadata'] = { name };
  if (namespace !== undefined) out.namespace = namespace;
  if (labels !== undefined) out.labels = labels;
  if (isRecord(annotations)) {
    const { [LAST_APPLIED]: _dropped, ...rest } = annotations;
    if (Object.keys(rest).length > 0) out.annotations = rest;
  }
  if (uid !== undefined) out.uid = uid;
  if (generation !== undefined) out.generation = generation;
  if (resourceVersion !== undefined) out.resourceVersion = resourceVersion;
  if (creationTimestamp !== undefined) out.creationTimestamp = creationTimestamp;
  return out;
}

/** Containers keep their name and image: env, envFrom, args, command, probes, mounts go. */
function projectContainers(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((c) => (isRecord(c) ? { name: c.name, image: c.image } : c));
}

/** A pod template (Deployment, StatefulSet, DaemonSet): labels and container images only. */
function projectWorkloadSpec(spec: Record<string, unknown>): Record<string, unknown> {
  const template = spec.template;
  if (!isRecord(template)) return spec;
  const { template: _template, ...rest } = spec;
  const podSpec = isRecord(template.spec) ? template.spec : {};
  const podMeta = isRecord(template.metadata) && isRecord(template.metadata.labels) ? { metadata: { labels: template.metadata.labels } } : {};
  const projectedPod: Record<string, unknown> = {};
  if (podSpec.containers !== undefined) projectedPod.containers = projectContainers(podSpec.containers);
  if (podSpec.initContainers !== undefined) projectedPod.initContainers = projectContainers(podSpec.initContainers);
  return { ...rest, template: { ...podMeta, spec: projectedPod } };
}

function projectSpec(kind: string, spec: unknown): unknown {
  if (!isRecord(spec)) return spec;
  if (kind === 'HelmRelease') {
    const { values: _values, valuesFrom: _valuesFrom, ...rest } = spec;
    return rest;
  }
  if (isRecord(spec.template)) return projectWorkloadSpec(spec);
  return spec;
}

/** The stored form of an object. Pure: the input is not changed. */
export function projectObject(object: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: object.apiVersion, kind: object.kind, metadata: projectMetadata(object.metadata) };
  if (object.kind === 'ConfigMap') {
    // Only the pipelines key is ever read; other keys may be anything, credentials included.
    const data = object.data;
    if (isRecord(data) && 'pipelines' in data) out.data = { pipelines: data.pipelines as string };
    return out;
  }
  if (object.spec !== undefined) out.spec = projectSpec(object.kind, object.spec);
  if (object.status !== undefined) out.status = object.status;
  return out;
}
