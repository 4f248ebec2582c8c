// Workloads as the API reports them (README: Workload's replicas, readyReplicas, updatedReplicas,
// availableReplicas, images with init containers first; DaemonSets counted per node; a rollout
// past its deadline). Whole decoded objects, so a dropped or swapped field fails here.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/cluster/kube-object.js';
import { decodeDeployment, decodeWorkload } from '../src/approaches/deployments.js';

const object = (kind: string, spec: unknown, status: unknown): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { namespace: 'shop', name: 'api' },
  spec,
  status,
});

describe('decodeWorkload', () => {
  it('reads a Deployment: counts, init containers first, then containers, each image split', () => {
    const decoded = decodeWorkload(
      object(
        'Deployment',
        {
          replicas: 4,
          template: {
            spec: {
              initContainers: [{ name: 'migrate', image: 'ghcr.io/acme/migrate:1.0' }],
              containers: [
                { name: 'api', image: 'registry.local:5000/acme/api:2.1@sha256:' + 'a'.repeat(64), env: [{ name: 'PASSWORD', value: 'x' }] },
                { name: 'sidecar', image: 'envoy' },
              ],
            },
          },
        },
        {
          readyReplicas: 3,
          updatedReplicas: 2,
          availableReplicas: 1,
          conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
        },
      ),
    );
    expect(decoded).toEqual({
      id: 'Deployment:shop/api',
      kind: 'Deployment',
      name: 'api',
      namespace: 'shop',
      replicas: 4,
      readyReplicas: 3,
      updatedReplicas: 2,
      availableReplicas: 1,
      images: [
        {
          id: 'Deployment:shop/api:container:migrate',
          container: 'migrate',
          init: true,
          reference: 'ghcr.io/acme/migrate:1.0',
          repository: 'ghcr.io/acme/migrate',
          tag: '1.0',
          digest: null,
        },
        {
          id: 'Deployment:shop/api:container:api',
          container: 'api',
          init: false,
          reference: 'registry.local:5000/acme/api:2.1@sha256:' + 'a'.repeat(64),
          repository: 'registry.local:5000/acme/api',
          tag: '2.1',
          digest: 'sha256:' + 'a'.repeat(64),
        },
        { id: 'Deployment:shop/api:container:sidecar', container: 'sidecar', init: false, reference: 'envoy', repository: 'envoy', tag: null, digest: null },
      ],
      rolloutFailed: false,
    });
    expect(decodeDeployment).toBe(decodeWorkload);
  });

  it('defaults a missing spec.replicas to 1 (as Kubernetes does) and missing status counts to 0', () => {
    const decoded = decodeWorkload(object('StatefulSet', { template: { spec: { containers: [{ name: 'db', image: 'postgres:16' }] } } }, undefined));
    expect(decoded).toMatchObject({ id: 'StatefulSet:shop/api', kind: 'StatefulSet', replicas: 1, readyReplicas: 0, updatedReplicas: 0, availableReplicas: 0 });
    expect(decoded.images.map((i) => i.id)).toEqual(['StatefulSet:shop/api:container:db']);
  });

  it('counts a DaemonSet by nodes: desiredNumberScheduled, numberReady, updatedNumberScheduled, numberAvailable', () => {
    const decoded = decodeWorkload(
      object(
        'DaemonSet',
        // A stray spec.replicas and Deployment-style status counts are not a DaemonSet's: ignored.
        { replicas: 9, template: { spec: { containers: [{ name: 'agent', image: 'agent:stable' }] } } },
        { desiredNumberScheduled: 5, numberReady: 4, updatedNumberScheduled: 3, numberAvailable: 2, readyReplicas: 9, updatedReplicas: 9, availableReplicas: 9 },
      ),
    );
    expect(decoded).toMatchObject({ id: 'DaemonSet:shop/api', kind: 'DaemonSet', replicas: 5, readyReplicas: 4, updatedReplicas: 3, availableReplicas: 2 });
    expect(decodeWorkload(object('DaemonSet', {}, {}))).toMatchObject({ replicas: 0, readyReplicas: 0, updatedReplicas: 0, availableReplicas: 0, images: [] });
  });

  it('ignores Deployment-style counts of a DaemonSet name and DaemonSet-style counts of a Deployment', () => {
    const decoded = decodeWorkload(object('Deployment', { replicas: 2 }, { desiredNumberScheduled: 7, numberReady: 7, updatedNumberScheduled: 7, numberAvailable: 7 }));
    expect(decoded).toMatchObject({ replicas: 2, readyReplicas: 0, updatedReplicas: 0, availableReplicas: 0 });
  });

  it('skips a container without an image and names one without a name ""', () => {
    const decoded = decodeWorkload(object('Deployment', { template: { spec: { containers: [{ name: 'empty' }, { name: 'blank', image: '' }, { image: 'nginx:1.27' }] } } }, {}));
    expect(decoded.images).toEqual([
      { id: 'Deployment:shop/api:container:', container: '', init: false, reference: 'nginx:1.27', repository: 'nginx', tag: '1.27', digest: null },
    ]);
  });

  it('says a rollout failed only for Progressing=False with reason ProgressDeadlineExceeded', () => {
    const withProgressing = (status: string, reason: string) =>
      decodeWorkload(object('Deployment', { replicas: 1 }, { conditions: [{ type: 'Available', status: 'False', reason: 'ProgressDeadlineExceeded' }, { type: 'Progressing', status, reason }] }))
        .rolloutFailed;
    expect(withProgressing('False', 'ProgressDeadlineExceeded')).toBe(true);
    expect(withProgressing('True', 'ProgressDeadlineExceeded')).toBe(false);
    expect(withProgressing('False', 'ReplicaSetCreateError')).toBe(false);
    // The reason on another condition type does not count.
    expect(decodeWorkload(object('Deployment', {}, { conditions: [{ type: 'Available', status: 'False', reason: 'ProgressDeadlineExceeded' }] })).rolloutFailed).toBe(false);
  });

  it('reads a workload without a namespace as namespace ""', () => {
    const decoded = decodeWorkload({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'loose' } });
    expect(decoded).toMatchObject({ id: 'Deployment:/loose', namespace: '' });
  });
});
