import { describe, expect, it } from 'vitest';
import { chartVersionSince, componentsOf, imageVersion } from './versions.js';
import type { HelmReleaseRelease, KustomizationRelease } from './release.js';
import type { Workload } from './workload.js';

const entry = (chartVersion: string, deployedAt: string | null) => ({ chartName: 'app', chartVersion, deployedAt, status: 'superseded' });

describe('chartVersionSince', () => {
  it('is when the newest unbroken run of the deployed version began', () => {
    // Newest first: two upgrades of values only on 1.2.0, which replaced 1.1.0.
    const history = [entry('1.2.0', '2026-03-05T00:00:00Z'), entry('1.2.0', '2026-03-04T00:00:00Z'), entry('1.1.0', '2026-03-01T00:00:00Z'), entry('1.2.0', '2026-02-01T00:00:00Z')];
    expect(chartVersionSince(history, '1.2.0')).toBe('2026-03-04T00:00:00Z');
  });

  it('is null without history, or when the deployed version is not the newest entry', () => {
    expect(chartVersionSince([], '1.0.0')).toBeNull();
    expect(chartVersionSince([entry('1.1.0', '2026-03-01T00:00:00Z')], '1.0.0')).toBeNull();
    expect(chartVersionSince([entry('1.0.0', '2026-03-01T00:00:00Z')], null)).toBeNull();
  });
});


const condition = { status: null, reason: null, message: null };
const base = {
  namespace: 'dev',
  apiVersion: 'x/v1',
  reconciling: condition,
  stalled: condition,
  stale: false,
  suspended: false,
  revision: null,
  lastAttemptedRevision: null,
  version: null,
  workloadSelection: { type: 'inventory' as const, workloads: [] },
};
const helm = (extra: Partial<HelmReleaseRelease> = {}): HelmReleaseRelease => ({
  ...base,
  id: 'HelmRelease:dev/web',
  kind: 'HelmRelease',
  name: 'web',
  readiness: { ready: true, status: 'True', reason: null, message: null, lastTransitionTime: '2026-01-01T00:00:00Z' },
  chartName: 'web-chart',
  chartVersion: '1.2.0',
  desiredChartVersion: null,
  appVersion: null,
  helmRevision: 3,
  releaseName: 'web',
  history: [entry('1.2.0', '2026-03-05T00:00:00Z'), entry('1.1.0', '2026-03-01T00:00:00Z')],
  ...extra,
});
const kustomization = (ready: boolean, lastTransitionTime: string | null): KustomizationRelease => ({
  ...base,
  id: 'Kustomization:dev/app',
  kind: 'Kustomization',
  name: 'app',
  readiness: { ready, status: ready ? 'True' : 'False', reason: null, message: null, lastTransitionTime },
  path: null,
  targetNamespace: null,
  sourceRef: null,
});
const workload: Workload = {
  id: 'StatefulSet:dev/db',
  kind: 'StatefulSet',
  name: 'db',
  namespace: 'dev',
  replicas: 1,
  readyReplicas: 1,
  updatedReplicas: 1,
  availableReplicas: 1,
  rolloutFailed: false,
  images: [{ id: 'StatefulSet:dev/db:container:pg', container: 'pg', init: false, reference: 'postgres:16@sha256:ab', repository: 'postgres', tag: '16', digest: 'sha256:ab' }],
};

describe('componentsOf', () => {
  it('a HelmRelease: its chart since the newest run of its version, its images since the newest Helm revision', () => {
    expect(componentsOf(helm(), [workload])).toEqual([
      {
        key: 'chart:web-chart',
        type: 'CHART',
        name: 'web-chart',
        version: '1.2.0',
        release: { kind: 'HelmRelease', namespace: 'dev', name: 'web' },
        workload: null,
        container: null,
        repository: null,
        tag: null,
        digest: null,
        since: '2026-03-05T00:00:00Z',
        sinceSource: 'HELM_HISTORY',
      },
      {
        key: 'image:StatefulSet/db/pg',
        type: 'IMAGE',
        name: 'StatefulSet/db/pg',
        version: '16@sha256:ab',
        release: { kind: 'HelmRelease', namespace: 'dev', name: 'web' },
        workload: { kind: 'StatefulSet', namespace: 'dev', name: 'db' },
        container: 'pg',
        repository: 'postgres',
        tag: '16',
        digest: 'sha256:ab',
        since: '2026-03-05T00:00:00Z',
        sinceSource: 'HELM_HISTORY',
      },
    ]);
  });

  it('a HelmRelease without a chart name or history: no chart component, and no since', () => {
    const components = componentsOf(helm({ chartName: null, history: [] }), [workload]);
    expect(components.map((c) => [c.key, c.since, c.sinceSource])).toEqual([['image:StatefulSet/db/pg', null, null]]);
    expect(componentsOf(helm({ history: [] }), null).map((c) => [c.key, c.since, c.sinceSource])).toEqual([['chart:web-chart', null, null]]);
  });

  it('a Kustomization: images since its Ready transition while Ready, unknown otherwise', () => {
    const since = (release: KustomizationRelease) => componentsOf(release, [workload]).map((c) => [c.since, c.sinceSource]);
    expect(since(kustomization(true, '2026-02-02T00:00:00Z'))).toEqual([['2026-02-02T00:00:00Z', 'READY_TRANSITION']]);
    expect(since(kustomization(true, null))).toEqual([[null, null]]);
    expect(since(kustomization(false, '2026-02-02T00:00:00Z'))).toEqual([[null, null]]);
    expect(componentsOf(kustomization(true, null), null)).toEqual([]);
  });
});

describe('imageVersion', () => {
  it('is tag@digest, the tag, the digest, or null for an image pulled as latest', () => {
    expect([imageVersion('1.0', 'sha256:ab'), imageVersion('1.0', null), imageVersion(null, 'sha256:ab'), imageVersion(null, null)]).toEqual([
      '1.0@sha256:ab',
      '1.0',
      'sha256:ab',
      null,
    ]);
  });

  it('chartVersionSince: a release with no chart version has no since, even over history without versions', () => {
    expect(chartVersionSince([{ chartName: 'app', chartVersion: null, deployedAt: '2026-03-01T00:00:00Z', status: 'deployed' }], null)).toBeNull();
  });
});
