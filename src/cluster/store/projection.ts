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
function projectWorkloadSpec(spec: Record<string, unknown>, template: Record<string, unknown>): Record<string, unknown> {
  const { template: _template, ...rest } = spec;
  const podSpec = isRecord(template.spec) ? template.spec : {};
  const podMeta = isRecord(template.metadata) && isRecord(template.metadata.labels) ? { metadata: { labels: template.metadata.labels } } : {};
  const projectedPod: Record<string, unknown> = {};
  if (podSpec.containers !== undefined) projectedPod.containers = projectContainers(podSpec.containers);
  if (podSpec.initContainers !== undefined) projectedPod.initContainers = projectContainers(podSpec.initContainers);
  return { ...rest, template: { ...podMeta, spec: projectedPod } };
}

/** The named fields of a record that are present, in that order; anything else is dropped. */
function pick(record: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (record[field] !== undefined) out[field] = record[field];
  return out;
}

/** A list of records reduced to some fields; other entries are kept as they are (readers skip them). */
function pickEach(value: unknown, fields: readonly string[]): unknown {
  return Array.isArray(value) ? value.map((entry) => (isRecord(entry) ? pick(entry, fields) : entry)) : value;
}

/**
 * Conditions of the given types only: readers look a condition up by type, and the first
 * of a type is the one they find, so dropping the other types changes no answer.
 */
function conditionsOf(value: unknown, types: ReadonlySet<string>): unknown {
  if (!Array.isArray(value)) return value;
  return pickEach(
    value.filter((c) => !isRecord(c) || typeof c.type !== 'string' || types.has(c.type)),
    CONDITION_FIELDS,
  );
}

const CONDITION_FIELDS = ['type', 'status', 'reason', 'message', 'lastTransitionTime'] as const;

/**
 * Flux releases (src/approaches/flux-releases.ts reads them; the indexes read inventory ids):
 * the conditions health is made of, revisions, inventory ids, and Helm history without digests.
 * At 100k objects, what Flux also writes there (checksums, digests, other conditions) was a
 * large part of the store.
 */
const RELEASE_CONDITIONS = new Set(['Ready', 'Reconciling', 'Stalled']);
const RELEASE_STATUS = ['observedGeneration', 'lastAppliedRevision', 'lastAttemptedRevision'] as const;
const HISTORY_FIELDS = ['name', 'chartName', 'chartVersion', 'appVersion', 'version', 'status', 'lastDeployed'] as const;
const RELEASE_SPEC: Record<string, readonly string[]> = {
  Kustomization: ['suspend', 'path', 'targetNamespace', 'sourceRef'],
  HelmRelease: ['suspend', 'targetNamespace', 'releaseName', 'chart'],
};

function projectReleaseStatus(status: Record<string, unknown>): Record<string, unknown> {
  const out = pick(status, RELEASE_STATUS);
  if (status.conditions !== undefined) out.conditions = conditionsOf(status.conditions, RELEASE_CONDITIONS);
  if (status.history !== undefined) out.history = pickEach(status.history, HISTORY_FIELDS);
  const inventory = status.inventory;
  if (inventory !== undefined) {
    out.inventory = isRecord(inventory) && inventory.entries !== undefined ? { entries: pickEach(inventory.entries, ['id']) } : inventory;
  }
  return out;
}

function projectReleaseSpec(kind: string, spec: Record<string, unknown>): Record<string, unknown> {
  const out = pick(spec, RELEASE_SPEC[kind]!);
  if (isRecord(out.sourceRef)) out.sourceRef = pick(out.sourceRef, ['kind', 'name', 'namespace']);
  if (isRecord(out.chart)) {
    const chartSpec = out.chart.spec;
    out.chart = isRecord(chartSpec) ? { spec: pick(chartSpec, ['chart', 'version']) } : out.chart;
  }
  return out;
}

/** Workloads (src/approaches/deployments.ts): replica counts and whether a rollout failed. */
const WORKLOAD_CONDITIONS = new Set(['Progressing']);
const WORKLOAD_STATUS = [
  'observedGeneration',
  'replicas',
  'readyReplicas',
  'updatedReplicas',
  'availableReplicas',
  'desiredNumberScheduled',
  'numberReady',
  'updatedNumberScheduled',
  'numberAvailable',
] as const;
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

function projectWorkloadStatus(status: Record<string, unknown>): Record<string, unknown> {
  const out = pick(status, WORKLOAD_STATUS);
  if (status.conditions !== undefined) out.conditions = conditionsOf(status.conditions, WORKLOAD_CONDITIONS);
  return out;
}

function projectSpec(kind: string, spec: unknown): unknown {
  if (!isRecord(spec)) return spec;
  if (kind in RELEASE_SPEC) return projectReleaseSpec(kind, spec);
  if (isRecord(spec.template)) return projectWorkloadSpec(spec, spec.template);
  return spec;
}

function projectStatus(kind: string, status: unknown): unknown {
  if (!isRecord(status)) return status;
  if (kind in RELEASE_SPEC) return projectReleaseStatus(status);
  if (WORKLOAD_KINDS.has(kind)) return projectWorkloadStatus(status);
  return status;
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
  if (object.status !== undefined) out.status = projectStatus(object.kind, object.status);
  return out;
}
