import type { HelmHistoryEntry, Release } from './release.js';
import type { Workload } from './workload.js';

/**
 * What a stage runs, as versions: each HelmRelease's chart and each container image of
 * the workloads its releases manage. Components are keyed so that the same component
 * in another stage has the same key: charts by chart name, images by workload kind and
 * name and container name (never by namespace, which differs per stage).
 */
export type ComponentType = 'CHART' | 'IMAGE';

/** How `since` was found. */
export type SinceSource = 'HELM_HISTORY' | 'READY_TRANSITION';

export interface ObjectKey {
  kind: string;
  namespace: string;
  name: string;
}

export interface ComponentVersion {
  key: string;
  type: ComponentType;
  /** The chart name, or "<WorkloadKind>/<workload>/<container>". */
  name: string;
  /** The chart version; for an image its tag, its digest, or "tag@digest" when it has both. */
  version: string | null;
  release: ObjectKey;
  workload: ObjectKey | null;
  container: string | null;
  repository: string | null;
  tag: string | null;
  digest: string | null;
  since: string | null;
  sinceSource: SinceSource | null;
}

/**
 * When the deployed chart version arrived: Helm history is newest first, and an upgrade
 * that changed only values keeps the chart version, so the version has been there since
 * the oldest entry of the newest unbroken run with that version.
 */
export function chartVersionSince(history: readonly HelmHistoryEntry[], chartVersion: string | null): string | null {
  if (chartVersion === null) return null;
  let since: string | null = null;
  for (const entry of history) {
    if (entry.chartVersion !== chartVersion) break;
    since = entry.deployedAt ?? since;
  }
  return since;
}

export const chartKey = (chartName: string) => `chart:${chartName}`;
export const imageKey = (workloadKind: string, workload: string, container: string) => `image:${workloadKind}/${workload}/${container}`;

const releaseKey = (r: Release): ObjectKey => ({ kind: r.kind, namespace: r.namespace, name: r.name });

/**
 * A release's components. `workloads` null means they could not be read: only the chart
 * (if any) is known then. Image `since` is an approximation (see the schema): for a
 * HelmRelease, when its current Helm revision was deployed; for a Kustomization, when its
 * Ready condition last turned True, i.e. when its applied revision finished applying.
 * Both are the latest moment Flux records the image being (re)applied: it has run at
 * least since then, possibly longer.
 */
export function componentsOf(release: Release, workloads: readonly Workload[] | null): ComponentVersion[] {
  const components: ComponentVersion[] = [];
  let imageSince: string | null = null;
  let imageSinceSource: SinceSource | null = null;
  if (release.kind === 'HelmRelease') {
    if (release.chartName !== null) {
      const since = chartVersionSince(release.history, release.chartVersion);
      components.push({
        key: chartKey(release.chartName),
        type: 'CHART',
        name: release.chartName,
        version: release.chartVersion,
        release: releaseKey(release),
        workload: null,
        container: null,
        repository: null,
        tag: null,
        digest: null,
        since,
        sinceSource: since === null ? null : 'HELM_HISTORY',
      });
    }
    imageSince = release.history[0]?.deployedAt ?? null;
    imageSinceSource = imageSince === null ? null : 'HELM_HISTORY';
  } else if (release.readiness.ready) {
    imageSince = release.readiness.lastTransitionTime;
    imageSinceSource = imageSince === null ? null : 'READY_TRANSITION';
  }
  for (const workload of workloads ?? []) {
    for (const image of workload.images) {
      components.push({
        key: imageKey(workload.kind, workload.name, image.container),
        type: 'IMAGE',
        name: `${workload.kind}/${workload.name}/${image.container}`,
        version: imageVersion(image.tag, image.digest),
        release: releaseKey(release),
        workload: { kind: workload.kind, namespace: workload.namespace, name: workload.name },
        container: image.container,
        repository: image.repository,
        tag: image.tag,
        digest: image.digest,
        since: imageSince,
        sinceSource: imageSinceSource,
      });
    }
  }
  return components;
}

/** An untagged, undigested image runs whatever "latest" was when it was pulled: null, not "latest". */
export function imageVersion(tag: string | null, digest: string | null): string | null {
  if (tag && digest) return `${tag}@${digest}`;
  return tag ?? digest;
}
