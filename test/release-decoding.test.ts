// Flux release objects as the API reads them (README: every Flux API version named there;
// the Ready, Reconciling and Stalled conditions and observedGeneration behind health;
// inventory before the label fallback; targetNamespace; HelmRelease version fallbacks).
// Whole decoded releases, so a dropped, swapped or defaulted field fails here.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/cluster/kube-object.js';
import { decodeHelmRelease, decodeKustomization, decodeRelease } from '../src/approaches/flux-releases.js';

const none = { status: null, reason: null, message: null };

const kustomizationObject = (extra: { metadata?: object; spec?: object; status?: object; apiVersion?: string } = {}): KubeObject => ({
  apiVersion: extra.apiVersion ?? 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { namespace: 'dev', name: 'app', ...extra.metadata },
  spec: { path: './deploy', sourceRef: { kind: 'GitRepository', name: 'repo' }, ...extra.spec },
  status: extra.status,
});

describe('decodeKustomization', () => {
  it('reads every field, conditions by type wherever they are in the list', () => {
    const decoded = decodeKustomization(
      kustomizationObject({
        metadata: { generation: 3 },
        spec: { targetNamespace: 'apps', sourceRef: { kind: 'OCIRepository', name: 'oci', namespace: 'flux-system' }, suspend: false },
        status: {
          observedGeneration: 3,
          lastAppliedRevision: 'main@sha1:abc',
          lastAttemptedRevision: 'main@sha1:def',
          conditions: [
            { type: 'Healthy', status: 'False', reason: 'HealthCheckFailed', message: 'not this one' },
            { type: 'Stalled', status: 'False', reason: 'Fine', message: 'not stalled' },
            { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision: main@sha1:abc', lastTransitionTime: '2026-11-01T10:00:00Z' },
            { type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'Reconciliation in progress' },
          ],
          inventory: {
            entries: [
              { id: 'apps_web_apps_Deployment', v: 'v1' },
              { id: 'apps_db_apps_StatefulSet', v: 'v1' },
              { id: 'apps_agent_apps_DaemonSet', v: 'v1' },
              { id: 'apps_web__Service', v: 'v1' },
              { id: 'apps_web_batch_Job', v: 'v1' },
              { id: 'apps_rs_apps_ReplicaSet', v: 'v1' },
              { id: '_orphan_apps_Deployment', v: 'v1' },
              { id: 'apps__apps_Deployment', v: 'v1' },
              { id: 'a_b_c_apps_Deployment', v: 'v1' },
              { id: 'apps_web_apps', v: 'v1' },
              { v: 'v1' },
            ],
          },
        },
      }),
    );
    expect(decoded).toEqual({
      id: 'Kustomization:dev/app',
      kind: 'Kustomization',
      name: 'app',
      namespace: 'dev',
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      readiness: { ready: true, status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision: main@sha1:abc', lastTransitionTime: '2026-11-01T10:00:00Z' },
      reconciling: { status: 'True', reason: 'Progressing', message: 'Reconciliation in progress' },
      stalled: { status: 'False', reason: 'Fine', message: 'not stalled' },
      stale: false,
      suspended: false,
      lastAttemptedRevision: 'main@sha1:def',
      revision: 'main@sha1:abc',
      version: 'main@sha1:abc',
      path: './deploy',
      targetNamespace: 'apps',
      sourceRef: { kind: 'OCIRepository', name: 'oci', namespace: 'flux-system' },
      // Only apps/ workloads of the three kinds, with all four id parts present.
      workloadSelection: {
        type: 'inventory',
        workloads: [
          { kind: 'Deployment', namespace: 'apps', name: 'web' },
          { kind: 'StatefulSet', namespace: 'apps', name: 'db' },
          { kind: 'DaemonSet', namespace: 'apps', name: 'agent' },
        ],
      },
    });
  });

  it('without inventory, selects by the labels kustomize-controller stamps, in targetNamespace or beside the release', () => {
    expect(decodeKustomization(kustomizationObject({ spec: { targetNamespace: 'apps' } })).workloadSelection).toEqual({
      type: 'labels',
      namespace: 'apps',
      labels: { 'kustomize.toolkit.fluxcd.io/name': 'app', 'kustomize.toolkit.fluxcd.io/namespace': 'dev' },
    });
    expect(decodeKustomization(kustomizationObject({ status: { inventory: { entries: 'broken' } } })).workloadSelection).toEqual({
      type: 'labels',
      namespace: 'dev',
      labels: { 'kustomize.toolkit.fluxcd.io/name': 'app', 'kustomize.toolkit.fluxcd.io/namespace': 'dev' },
    });
    // An empty inventory is an answer (nothing applied), not a reason to guess by labels.
    expect(decodeKustomization(kustomizationObject({ status: { inventory: { entries: [] } } })).workloadSelection).toEqual({ type: 'inventory', workloads: [] });
  });

  it('reads a release never reconciled: no conditions, nothing applied, the source in its own namespace', () => {
    const decoded = decodeKustomization(kustomizationObject({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2' }));
    expect(decoded).toMatchObject({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2',
      readiness: { ready: false, status: null, reason: null, message: null, lastTransitionTime: null },
      reconciling: none,
      stalled: none,
      stale: false,
      suspended: false,
      lastAttemptedRevision: null,
      revision: null,
      version: null,
      targetNamespace: null,
      sourceRef: { kind: 'GitRepository', name: 'repo', namespace: 'dev' },
    });
    expect(decodeKustomization(kustomizationObject({ spec: { sourceRef: { kind: 'GitRepository' } } })).sourceRef).toBeNull();
    expect(decodeKustomization(kustomizationObject({ spec: { sourceRef: { name: 'repo' } } })).sourceRef).toBeNull();
  });

  it('reads Ready False and Unknown, and an unrecognised status as none', () => {
    const withReady = (status: unknown) =>
      decodeKustomization(kustomizationObject({ status: { conditions: [{ type: 'Ready', status, reason: 'R', message: 'M' }] } })).readiness;
    expect(withReady('False')).toEqual({ ready: false, status: 'False', reason: 'R', message: 'M', lastTransitionTime: null });
    expect(withReady('Unknown')).toEqual({ ready: false, status: 'Unknown', reason: 'R', message: 'M', lastTransitionTime: null });
    expect(withReady('true')).toEqual({ ready: false, status: null, reason: 'R', message: 'M', lastTransitionTime: null });
    const withStalled = (status: unknown) => decodeKustomization(kustomizationObject({ status: { conditions: [{ type: 'Stalled', status, reason: 'S', message: 'T' }] } })).stalled;
    expect(withStalled('True')).toEqual({ status: 'True', reason: 'S', message: 'T' });
    expect(withStalled('Unknown')).toEqual({ status: 'Unknown', reason: 'S', message: 'T' });
    expect(withStalled('False')).toEqual({ status: 'False', reason: 'S', message: 'T' });
    expect(withStalled('yes')).toEqual({ status: null, reason: 'S', message: 'T' });
  });

  it('is stale only while observedGeneration is behind metadata.generation', () => {
    const stale = (generation: unknown, observed: unknown) =>
      decodeKustomization(kustomizationObject({ metadata: { generation }, status: { observedGeneration: observed } })).stale;
    expect(stale(4, 3)).toBe(true);
    expect(stale(4, 4)).toBe(false);
    expect(stale(4, 5)).toBe(false);
    expect(stale(4, undefined)).toBe(false);
    expect(stale(undefined, 3)).toBe(false);
    expect(stale('4', 3)).toBe(false);
  });

  it('reads an object without a namespace as namespace "" (ids, labels and source alike)', () => {
    const decoded = decodeKustomization({ ...kustomizationObject(), metadata: { name: 'app' } });
    expect(decoded).toMatchObject({
      id: 'Kustomization:/app',
      namespace: '',
      sourceRef: { kind: 'GitRepository', name: 'repo', namespace: '' },
      workloadSelection: { type: 'labels', namespace: '', labels: { 'kustomize.toolkit.fluxcd.io/name': 'app', 'kustomize.toolkit.fluxcd.io/namespace': '' } },
    });
  });

  it('is suspended only for spec.suspend true', () => {
    expect(decodeKustomization(kustomizationObject({ spec: { suspend: true } })).suspended).toBe(true);
    expect(decodeKustomization(kustomizationObject({ spec: { suspend: 'true' } })).suspended).toBe(false);
  });
});

const helmObject = (apiVersion: string, status: object | undefined, spec: object = {}): KubeObject => ({
  apiVersion,
  kind: 'HelmRelease',
  metadata: { namespace: 'prod', name: 'web', generation: 2 },
  spec: { releaseName: 'spec-name', chart: { spec: { chart: 'web-chart', version: '>=1.0.0' } }, ...spec },
  status,
});

describe('decodeHelmRelease', () => {
  it('v2: the newest Helm history entry is what runs, with its history newest first', () => {
    const decoded = decodeHelmRelease(
      helmObject('helm.toolkit.fluxcd.io/v2', {
        observedGeneration: 1,
        lastAttemptedRevision: '1.3.0',
        lastAppliedRevision: '1.0.0',
        conditions: [{ type: 'Ready', status: 'False', reason: 'UpgradeFailed', message: 'timed out', lastTransitionTime: '2026-11-02T00:00:00Z' }],
        history: [
          { chartName: 'web', chartVersion: '1.2.0', appVersion: '2.0', version: 7, name: 'prod-web', status: 'deployed', lastDeployed: '2026-11-01T00:00:00Z' },
          { chartName: 'web', chartVersion: '1.1.0', appVersion: '1.9', version: 6, name: 'prod-web', status: 'superseded', lastDeployed: '2026-10-01T00:00:00Z' },
        ],
      }),
    );
    expect(decoded).toEqual({
      id: 'HelmRelease:prod/web',
      kind: 'HelmRelease',
      name: 'web',
      namespace: 'prod',
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      readiness: { ready: false, status: 'False', reason: 'UpgradeFailed', message: 'timed out', lastTransitionTime: '2026-11-02T00:00:00Z' },
      reconciling: none,
      stalled: none,
      stale: true,
      suspended: false,
      lastAttemptedRevision: '1.3.0',
      revision: '1.2.0',
      chartVersion: '1.2.0',
      version: '1.2.0',
      chartName: 'web',
      desiredChartVersion: '>=1.0.0',
      appVersion: '2.0',
      helmRevision: 7,
      releaseName: 'prod-web',
      history: [
        { chartName: 'web', chartVersion: '1.2.0', deployedAt: '2026-11-01T00:00:00Z', status: 'deployed' },
        { chartName: 'web', chartVersion: '1.1.0', deployedAt: '2026-10-01T00:00:00Z', status: 'superseded' },
      ],
      workloadSelection: {
        type: 'labels',
        namespace: 'prod',
        labels: { 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'prod' },
      },
    });
  });

  it('v2beta1: no history, so lastAppliedRevision is the version and the spec names the chart', () => {
    const decoded = decodeHelmRelease(helmObject('helm.toolkit.fluxcd.io/v2beta1', { lastAppliedRevision: '1.0.0', lastAttemptedRevision: '1.1.0' }));
    expect(decoded).toMatchObject({
      revision: '1.0.0',
      chartVersion: '1.0.0',
      version: '1.0.0',
      chartName: 'web-chart',
      appVersion: null,
      helmRevision: null,
      releaseName: 'spec-name',
      history: [],
      lastAttemptedRevision: '1.1.0',
    });
  });

  it('never installed: the last attempted version is all there is, and revision stays null', () => {
    const decoded = decodeHelmRelease(helmObject('helm.toolkit.fluxcd.io/v2beta2', { lastAttemptedRevision: '1.1.0' }, { targetNamespace: 'apps' }));
    expect(decoded).toMatchObject({ revision: null, chartVersion: '1.1.0', version: '1.1.0', stale: false });
    // targetNamespace moves the label search for a HelmRelease too.
    expect(decoded.workloadSelection).toMatchObject({ type: 'labels', namespace: 'apps' });
    expect(decodeHelmRelease(helmObject('helm.toolkit.fluxcd.io/v2', undefined))).toMatchObject({ revision: null, chartVersion: null, version: null, history: [] });
  });

  it('reads a HelmRelease inventory when Flux records one', () => {
    const decoded = decodeHelmRelease(helmObject('helm.toolkit.fluxcd.io/v2', { inventory: { entries: [{ id: 'prod_web_apps_Deployment', v: 'v1' }] } }));
    expect(decoded.workloadSelection).toEqual({ type: 'inventory', workloads: [{ kind: 'Deployment', namespace: 'prod', name: 'web' }] });
  });
});

describe('decodeRelease', () => {
  it('dispatches on kind', () => {
    expect(decodeRelease(helmObject('helm.toolkit.fluxcd.io/v2', undefined)).kind).toBe('HelmRelease');
    expect(decodeRelease(kustomizationObject()).kind).toBe('Kustomization');
  });
});

describe('conditions a release does not have', () => {
  it('decode as all-null summaries that no consumer can change (they are shared between releases)', () => {
    const first = decodeKustomization(kustomizationObject({ status: { conditions: [{ type: 'Healthy', status: 'True' }] } }));
    const second = decodeHelmRelease(helmObject('helm.toolkit.fluxcd.io/v2', undefined));
    for (const decoded of [first, second]) {
      expect(decoded.readiness).toEqual({ ready: false, status: null, reason: null, message: null, lastTransitionTime: null });
      expect(decoded.reconciling).toEqual(none);
      expect(decoded.stalled).toEqual(none);
    }
    expect(() => {
      (first.stalled as { status: string | null }).status = 'True';
    }).toThrow(TypeError);
    expect(() => {
      (first.readiness as { ready: boolean }).ready = true;
    }).toThrow(TypeError);
    expect(second.stalled.status).toBeNull();
    expect(second.readiness.ready).toBe(false);
  });

  it('take the first condition of each type, as a lookup by type would', () => {
    const decoded = decodeKustomization(
      kustomizationObject({
        status: {
          conditions: [
            { type: 'Ready', status: 'False', reason: 'First' },
            { type: 'Stalled', status: 'True', reason: 'StalledFirst' },
            { type: 'Ready', status: 'True', reason: 'Second' },
            { type: 'Stalled', status: 'False', reason: 'StalledSecond' },
          ],
        },
      }),
    );
    expect(decoded.readiness).toMatchObject({ ready: false, status: 'False', reason: 'First' });
    expect(decoded.stalled).toEqual({ status: 'True', reason: 'StalledFirst', message: null });
    expect(decoded.reconciling).toEqual(none);
  });
});
