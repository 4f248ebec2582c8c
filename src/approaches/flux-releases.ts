import type { KubeObject } from '../cluster/kube-object.js';
import type { ConditionSummary } from '../model/health.js';
import type { HelmHistoryEntry, HelmReleaseRelease, KustomizationRelease, Readiness, Release, WorkloadSelection } from '../model/release.js';
import { WORKLOAD_KINDS, type WorkloadKind } from '../model/workload.js';
import { releaseId } from '../model/release.js';
import { at, listAt, numberAt, stringAt } from './object-fields.js';

/**
 * Flux release objects → the release model, at any API version Flux has served
 * (Kustomization v1, v1beta2; HelmRelease v2, v2beta2, v2beta1). Only named status and
 * spec fields are read: `spec.values`, `valuesFrom` and annotations never leave here.
 */
function readiness(object: KubeObject): Readiness {
  const ready = listAt(object.status, 'conditions').find((c) => stringAt(c, 'type') === 'Ready');
  const status = stringAt(ready, 'status');
  return {
    ready: status === 'True',
    status: status === 'True' || status === 'False' || status === 'Unknown' ? status : null,
    reason: stringAt(ready, 'reason'),
    message: stringAt(ready, 'message'),
    lastTransitionTime: stringAt(ready, 'lastTransitionTime'),
  };
}

function condition(object: KubeObject, type: string): ConditionSummary {
  const found = listAt(object.status, 'conditions').find((c) => stringAt(c, 'type') === type);
  const status = stringAt(found, 'status');
  return {
    status: status === 'True' || status === 'False' || status === 'Unknown' ? status : null,
    reason: stringAt(found, 'reason'),
    message: stringAt(found, 'message'),
  };
}

function isStale(object: KubeObject): boolean {
  const generation = object.metadata.generation;
  const observed = numberAt(object.status, 'observedGeneration');
  return typeof generation === 'number' && observed !== null && observed < generation;
}

/** Flux inventory ids are `<namespace>_<name>_<group>_<kind>`; none of those parts may hold '_'. */
function inventoryWorkloads(object: KubeObject): { kind: WorkloadKind; namespace: string; name: string }[] | null {
  const entries = at(object.status, 'inventory', 'entries');
  if (!Array.isArray(entries)) return null;
  const workloads: { kind: WorkloadKind; namespace: string; name: string }[] = [];
  for (const entry of entries) {
    // Stryker disable next-line StringLiteral: equivalent, any id without '_' splits into one part and is skipped
    const parts = (stringAt(entry, 'id') ?? '').split('_');
    if (parts.length !== 4) continue;
    const [namespace, name, group, kind] = parts as [string, string, string, string];
    const workloadKind = WORKLOAD_KINDS.find((k) => k === kind);
    if (group === 'apps' && workloadKind && namespace !== '' && name !== '') workloads.push({ kind: workloadKind, namespace, name });
  }
  return workloads;
}

function selection(object: KubeObject, labelPrefix: string): WorkloadSelection {
  const fromInventory = inventoryWorkloads(object);
  // Stryker disable next-line StringLiteral: equivalent, readers branch on type 'labels' and treat anything else as inventory
  if (fromInventory) return { type: 'inventory', workloads: fromInventory };
  const namespace = object.metadata.namespace ?? '';
  return {
    type: 'labels',
    // What Flux applies lands in targetNamespace when one is set; otherwise we look beside the release.
    namespace: stringAt(object.spec, 'targetNamespace') ?? namespace,
    labels: { [`${labelPrefix}/name`]: object.metadata.name, [`${labelPrefix}/namespace`]: namespace },
  };
}

function base(object: KubeObject) {
  const namespace = object.metadata.namespace ?? '';
  return {
    id: releaseId(object.kind, namespace, object.metadata.name),
    name: object.metadata.name,
    namespace,
    apiVersion: object.apiVersion,
    readiness: readiness(object),
    reconciling: condition(object, 'Reconciling'),
    stalled: condition(object, 'Stalled'),
    stale: isStale(object),
    suspended: at(object.spec, 'suspend') === true,
    lastAttemptedRevision: stringAt(object.status, 'lastAttemptedRevision'),
  };
}

export function decodeKustomization(object: KubeObject): KustomizationRelease {
  const revision = stringAt(object.status, 'lastAppliedRevision');
  const sourceKind = stringAt(object.spec, 'sourceRef', 'kind');
  const sourceName = stringAt(object.spec, 'sourceRef', 'name');
  return {
    ...base(object),
    kind: 'Kustomization',
    revision,
    version: revision,
    path: stringAt(object.spec, 'path'),
    targetNamespace: stringAt(object.spec, 'targetNamespace'),
    sourceRef:
      sourceKind && sourceName
        ? { kind: sourceKind, name: sourceName, namespace: stringAt(object.spec, 'sourceRef', 'namespace') ?? object.metadata.namespace ?? '' }
        : null,
    workloadSelection: selection(object, 'kustomize.toolkit.fluxcd.io'),
  };
}

export function decodeHelmRelease(object: KubeObject): HelmReleaseRelease {
  // v2 and v2beta2 keep Helm history (newest first); v2beta1 only lastAppliedRevision.
  const latest = listAt(object.status, 'history')[0];
  const lastAttempted = stringAt(object.status, 'lastAttemptedRevision');
  const applied = stringAt(latest, 'chartVersion') ?? stringAt(object.status, 'lastAppliedRevision');
  return {
    ...base(object),
    kind: 'HelmRelease',
    revision: applied,
    chartVersion: applied ?? lastAttempted,
    version: applied ?? lastAttempted,
    chartName: stringAt(latest, 'chartName') ?? stringAt(object.spec, 'chart', 'spec', 'chart'),
    desiredChartVersion: stringAt(object.spec, 'chart', 'spec', 'version'),
    appVersion: stringAt(latest, 'appVersion'),
    helmRevision: numberAt(latest, 'version'),
    releaseName: stringAt(latest, 'name') ?? stringAt(object.spec, 'releaseName'),
    history: listAt(object.status, 'history').map(
      (h): HelmHistoryEntry => ({
        chartName: stringAt(h, 'chartName'),
        chartVersion: stringAt(h, 'chartVersion'),
        deployedAt: stringAt(h, 'lastDeployed'),
        status: stringAt(h, 'status'),
      }),
    ),
    workloadSelection: selection(object, 'helm.toolkit.fluxcd.io'),
  };
}

export function decodeRelease(object: KubeObject): Release {
  return object.kind === 'HelmRelease' ? decodeHelmRelease(object) : decodeKustomization(object);
}
