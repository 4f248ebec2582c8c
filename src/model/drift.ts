import semver from 'semver';
import type { ComponentType, ComponentVersion } from './versions.js';

/**
 * Drift between two adjacent stages: the components whose versions differ, and how.
 * BEHIND/AHEAD only when both versions are semver (an optional leading "v" allowed);
 * a digest, a non-semver tag or an untagged image can only be DIFFERENT. A component
 * in only one of the two stages is MISSING_DOWNSTREAM or MISSING_UPSTREAM.
 */
export const DRIFT_STATUSES = ['BEHIND', 'AHEAD', 'DIFFERENT', 'MISSING_DOWNSTREAM', 'MISSING_UPSTREAM'] as const;
export type DriftStatus = (typeof DRIFT_STATUSES)[number];

export interface ComponentDrift<S> {
  upstream: S;
  downstream: S;
  key: string;
  type: ComponentType;
  name: string;
  upstreamVersion: string | null;
  downstreamVersion: string | null;
  status: DriftStatus;
}

type Comparable = Pick<ComponentVersion, 'version' | 'digest'>;

/** How the downstream version relates to the upstream one; null when they are the same. */
export function compareVersions(upstream: Comparable, downstream: Comparable): 'BEHIND' | 'AHEAD' | 'DIFFERENT' | null {
  // Only images have digests (both sides of a key are of one type). A digest names content:
  // equal digests are the same image whatever the tags say.
  // Stryker disable next-line LogicalOperator: equivalent, with one digest the versions differ too ("tag@digest" or the digest vs a tag), and are not semver: DIFFERENT either way
  if (upstream.digest !== null || downstream.digest !== null) {
    return upstream.digest !== null && upstream.digest === downstream.digest ? null : 'DIFFERENT';
  }
  // Without a digest, an image's version is its tag (imageVersion) and a chart's its chart version.
  if (upstream.version === downstream.version) return null;
  // semver.parse allows one leading "v" and answers null for anything that is not semver.
  const a = semver.parse(upstream.version);
  const b = semver.parse(downstream.version);
  if (!a || !b) return 'DIFFERENT';
  const order = semver.compare(b, a);
  if (order === 0) return 'DIFFERENT'; // "v1.2.3" vs "1.2.3": the same release, spelt differently.
  // Stryker disable next-line EqualityOperator: equivalent, order 0 has returned above
  return order < 0 ? 'BEHIND' : 'AHEAD';
}

function byKey(components: readonly ComponentVersion[]): Map<string, ComponentVersion[]> {
  const map = new Map<string, ComponentVersion[]>();
  for (const c of components) map.set(c.key, [...(map.get(c.key) ?? []), c]);
  return map;
}

/** One version as it is (null included); several as a sorted, comma-separated list. */
function versionsOf(list: readonly ComponentVersion[]): string | null {
  const versions = [...new Set(list.map((c) => c.version))];
  if (versions.length === 1) return versions[0]!;
  return versions.map((v) => v ?? (list[0]!.type === 'IMAGE' ? '(untagged)' : '(unknown)')).sort().join(', ');
}

/**
 * The drift from `upstream` to `downstream`, in upstream's component order, then the
 * components only downstream has. When a stage runs one key several times (two releases
 * of one chart), versions compare as sets: equal sets are no drift, else DIFFERENT.
 */
export function stageDrift<S>(
  upstream: { stage: S; components: readonly ComponentVersion[] },
  downstream: { stage: S; components: readonly ComponentVersion[] },
): ComponentDrift<S>[] {
  const up = byKey(upstream.components);
  const down = byKey(downstream.components);
  const drift: ComponentDrift<S>[] = [];
  const entry = (key: string, first: ComponentVersion, status: DriftStatus, u: string | null, d: string | null): ComponentDrift<S> => ({
    upstream: upstream.stage,
    downstream: downstream.stage,
    key,
    type: first.type,
    name: first.name,
    upstreamVersion: u,
    downstreamVersion: d,
    status,
  });
  for (const [key, ups] of up) {
    const downs = down.get(key);
    if (!downs) {
      drift.push(entry(key, ups[0]!, 'MISSING_DOWNSTREAM', versionsOf(ups), null));
      continue;
    }
    if (ups.length === 1 && downs.length === 1) {
      const status = compareVersions(ups[0]!, downs[0]!);
      if (status) drift.push(entry(key, ups[0]!, status, ups[0]!.version, downs[0]!.version));
      continue;
    }
    if (versionsOf(ups) !== versionsOf(downs)) drift.push(entry(key, ups[0]!, 'DIFFERENT', versionsOf(ups), versionsOf(downs)));
  }
  for (const [key, downs] of down) {
    if (!up.has(key)) drift.push(entry(key, downs[0]!, 'MISSING_UPSTREAM', null, versionsOf(downs)));
  }
  return drift;
}
