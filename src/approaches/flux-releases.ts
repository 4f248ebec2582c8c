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
/** Flux's conditions this API reads, each the first of its type in the list (as `find` would give). */
interface Conditions {
  ready: unknown;
  reconciling: unknown;
  stalled: unknown;
}

function conditions(object: KubeObject): Conditions {
  const found: Conditions = { ready: undefined, reconciling: undefined, stalled: undefined };
  for (const c of listAt(object.status, 'conditions')) {
    const type = stringAt(c, 'type');
    if (type === 'Ready') found.ready ??= c;
    else if (type === 'Reconciling') found.reconciling ??= c;
    else if (type === 'Stalled') found.stalled ??= c;
  }
  return found;
}

const statusOf = (condition: unknown): ConditionSummary['status'] => {
  const status = stringAt(condition, 'status');
  return status === 'True' || status === 'False' || status === 'Unknown' ? status : null;
};

/*
 * What a release without a condition of that type decodes to. Shared, and frozen so a
 * consumer that tried to change one would fail loudly instead of changing every release:
 * at 100k objects, one fresh object per absent condition was ~10 % of the decoded forms.
 */
const NO_READY_CONDITION: Readiness = Object.freeze({ ready: false, status: null, reason: null, message: null, lastTransitionTime: null });
const NO_CONDITION: ConditionSummary = Object.freeze({ status: null, reason: null, message: null });

function readiness(ready: unknown): Readiness {
  if (ready === undefined) return NO_READY_CONDITION;
  const status = statusOf(ready);
  return {
    ready: status === 'True',
    status,
    reason: stringAt(ready, 'reason'),
    message: stringAt(ready, 'message'),
    lastTransitionTime: stringAt(ready, 'lastTransitionTime'),
  };
}

function condition(found: unknown): ConditionSummary {
  if (found === undefined) return NO_CONDITION;
  return { status: statusOf(found), reason: stringAt(found, 'reason'), message: stringAt(found, 'message') };
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

/*
 * Each decoder builds its release as one object literal naming every field, common ones
 * included. Spreading a shared part (`{ ...base(object), kind, ... }`) gave every decoded
 * release its own hidden class (V8 copies the map of a spread's result): ~0.6 KB of shapes
 * per release, half the heap the decoded forms of a fleet kept, and slower field reads.
 */

export function decodeKustomization(object: KubeObject): KustomizationRelease {
  const namespace = object.metadata.namespace ?? '';
  const found = conditions(object);
  const revision = stringAt(object.status, 'lastAppliedRevision');
  const sourceKind = stringAt(object.spec, 'sourceRef', 'kind');
  const sourceName = stringAt(object.spec, 'sourceRef', 'name');
  return {
    id: releaseId(object.kind, namespace, object.metadata.name),
    kind: 'Kustomization',
    name: object.metadata.name,
    namespace,
    apiVersion: object.apiVersion,
    readiness: readiness(found.ready),
    reconciling: condition(found.reconciling),
    stalled: condition(found.stalled),
    stale: isStale(object),
    suspended: at(object.spec, 'suspend') === true,
    lastAttemptedRevision: stringAt(object.status, 'lastAttemptedRevision'),
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
  const namespace = object.metadata.namespace ?? '';
  const found = conditions(object);
  // v2 and v2beta2 keep Helm history (newest first); v2beta1 only lastAppliedRevision.
  const history = listAt(object.status, 'history');
  const latest = history[0];
  const lastAttempted = stringAt(object.status, 'lastAttemptedRevision');
  const applied = stringAt(latest, 'chartVersion') ?? stringAt(object.status, 'lastAppliedRevision');
  return {
    id: releaseId(object.kind, namespace, object.metadata.name),
    kind: 'HelmRelease',
    name: object.metadata.name,
    namespace,
    apiVersion: object.apiVersion,
    readiness: readiness(found.ready),
    reconciling: condition(found.reconciling),
    stalled: condition(found.stalled),
    stale: isStale(object),
    suspended: at(object.spec, 'suspend') === true,
    lastAttemptedRevision: lastAttempted,
    revision: applied,
    chartVersion: applied ?? lastAttempted,
    version: applied ?? lastAttempted,
    chartName: stringAt(latest, 'chartName') ?? stringAt(object.spec, 'chart', 'spec', 'chart'),
    desiredChartVersion: stringAt(object.spec, 'chart', 'spec', 'version'),
    appVersion: stringAt(latest, 'appVersion'),
    helmRevision: numberAt(latest, 'version'),
    releaseName: stringAt(latest, 'name') ?? stringAt(object.spec, 'releaseName'),
    history: history.map(
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
