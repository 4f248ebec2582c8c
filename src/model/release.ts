import type { ConditionSummary } from './health.js';
import type { ReleaseKind } from './pipeline.js';
import type { WorkloadKind } from './workload.js';

/** The Ready condition as Flux reports it. */
export interface Readiness {
  /** True only when the Ready condition's status is "True". */
  ready: boolean;
  status: 'True' | 'False' | 'Unknown' | null;
  reason: string | null;
  message: string | null;
  lastTransitionTime: string | null;
}

/** How to find the workloads a release manages. */
export type WorkloadSelection =
  /** Flux recorded what it applied: exact objects. */
  | { type: 'inventory'; workloads: { kind: WorkloadKind; namespace: string; name: string }[] }
  /** No inventory: match the labels Flux stamps on what it applies, in one namespace. */
  | { type: 'labels'; namespace: string; labels: Record<string, string> };

interface ReleaseBase {
  id: string;
  kind: ReleaseKind;
  name: string;
  namespace: string;
  /** The API version the object was read at, e.g. helm.toolkit.fluxcd.io/v2. */
  apiVersion: string;
  readiness: Readiness;
  /** Flux's Reconciling and Stalled conditions (kstatus), for health. */
  reconciling: ConditionSummary;
  stalled: ConditionSummary;
  /** status.observedGeneration is behind metadata.generation: the latest spec is not reconciled yet. */
  stale: boolean;
  suspended: boolean;
  /** What is applied now, in the controller's own terms. */
  revision: string | null;
  lastAttemptedRevision: string | null;
  /** A short human answer to "what version runs here". */
  version: string | null;
  workloadSelection: WorkloadSelection;
}

export interface KustomizationRelease extends ReleaseBase {
  kind: 'Kustomization';
  path: string | null;
  targetNamespace: string | null;
  sourceRef: { kind: string; name: string; namespace: string } | null;
}

export interface HelmReleaseRelease extends ReleaseBase {
  kind: 'HelmRelease';
  chartName: string | null;
  /** Deployed chart version (latest Helm history entry, else the last attempted one). */
  chartVersion: string | null;
  /** What spec.chart.spec.version asks for (may be a semver range). */
  desiredChartVersion: string | null;
  appVersion: string | null;
  /** Helm's own release revision number. */
  helmRevision: number | null;
  releaseName: string | null;
  /** Helm history as Flux records it, newest first (empty for HelmRelease v2beta1). */
  history: HelmHistoryEntry[];
}

export interface HelmHistoryEntry {
  chartName: string | null;
  chartVersion: string | null;
  /** When this Helm revision was deployed (lastDeployed, RFC 3339). */
  deployedAt: string | null;
  status: string | null;
}

export type Release = KustomizationRelease | HelmReleaseRelease;

export const releaseId = (kind: string, namespace: string, name: string) =>
  `${kind}:${namespace}/${name}`;
