// What an operator installs: every manifest passes the real API server's validation,
// and our CRD schemas turn away the definitions they must.
import { beforeAll, describe, expect, it } from 'vitest';
import { useSharedCluster } from './harness/shared-cluster.js';
import { installOwnCrds, loadDemo, ROOT } from './support/demo-cluster.js';

const cluster = useSharedCluster();

beforeAll(async () => {
  await installOwnCrds(cluster);
  // demo/ and deploy/ name namespaces that a dry run cannot create on the fly.
  for (const ns of ['flux-system', 'dev', 'staging', 'prod', 'flux-pipelines']) {
    await cluster.kubectl(['create', 'namespace', ns]);
  }
}, 120_000);

describe('manifests', () => {
  it.each(['crds', 'demo', 'deploy'])('%s/ passes a server-side dry run', async (dir) => {
    const result = await cluster.kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=e2e-dry-run', '-k', `${ROOT}${dir}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\(server dry run\)/);
  });
});

const pipeline = (version: string, spec: unknown) =>
  JSON.stringify({ apiVersion: `wego.weave.works/${version}`, kind: 'Pipeline', metadata: { name: 'bad', namespace: 'flux-system' }, spec });

describe('the Pipeline and PipelineStage CRDs reject bad definitions', () => {
  it.each([
    ['a stage without a name', pipeline('v1alpha1', { stages: [{ namespace: 'dev', order: 1 }] }), /spec\.stages\[0\]\.name: Required value/],
    [
      'a non-integer order',
      pipeline('v1alpha1', { stages: [{ name: 'dev', namespace: 'dev', order: 'one' }] }),
      // Server-side apply reports the type at decoding ("expected numeric"), a plain create at
      // validation ("Invalid value"): either way the field is named.
      /spec\.stages\[0\]\.order: (?:expected numeric|Invalid value: "string")/,
    ],
    [
      'a releaseRef kind other than Kustomization or HelmRelease',
      pipeline('v1alpha2', { stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'GitRepository', name: 'x' }] }] }),
      /spec\.stages\[0\]\.releaseRefs\[0\]\.kind: Unsupported value: "GitRepository"/,
    ],
    [
      'a PipelineStage releaseRef of another kind',
      JSON.stringify({ apiVersion: 'wego.weave.works/v1alpha3', kind: 'PipelineStage', metadata: { name: 'bad', namespace: 'dev' }, spec: { releaseRefs: [{ kind: 'Deployment', name: 'x' }] } }),
      /Unsupported value: "Deployment"/,
    ],
    ['releaseRefs on a v1alpha1 (label-based) stage', pipeline('v1alpha1', { stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'Kustomization', name: 'x' }] }] }), /releaseRefs/],
    ['a v1alpha2 stage without releaseRefs', pipeline('v1alpha2', { stages: [{ name: 'dev', namespace: 'dev', order: 1 }] }), /releaseRefs/],
    ['stages on a v1alpha3 pipeline', pipeline('v1alpha3', { stages: [{ name: 'dev', namespace: 'dev', order: 1 }] }), /environments|stages/],
  ])('rejects %s', async (_what, manifest, message) => {
    const result = await cluster.kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=e2e-bad', '-f', '-'], { input: manifest });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('accepts the same shapes when they are right', async () => {
    const good = pipeline('v1alpha2', { stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'HelmRelease', name: 'x' }] }] });
    const result = await cluster.kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=e2e-bad', '-f', '-'], { input: good });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('what kubectl users see of our CRDs', () => {
  beforeAll(async () => {
    await loadDemo(cluster);
  }, 300_000);

  it.each([
    ['v1alpha1', 'example-pipeline'],
    ['v1alpha2', 'example-pipeline-crd'],
    ['v1alpha3', 'example-pipeline-stage'],
  ])('prints a %s Pipeline from its first stage to its last', async (version, name) => {
    const got = await cluster.kubectl(['get', `pipelines.${version}.wego.weave.works`, name, '-n', 'flux-system', '-o', 'wide']);
    expect(got.stderr).toBe('');
    expect(got.stdout).toMatch(/^NAME\s+FROM\s+TO\s+READY\s+AGE\n/);
    expect(got.stdout).toMatch(new RegExp(`\\n${name}\\s+dev\\s+prod\\s+\\S+`));
  });

  it('prints a PipelineStage with its first release', async () => {
    const got = await cluster.kubectl(['get', 'pipelinestages', 'example-pipeline-dev', '-n', 'dev']);
    expect(got.stdout).toMatch(/^NAME\s+FIRST RELEASE\s+AGE\n/);
    expect(got.stdout).toMatch(/\nexample-pipeline-dev\s+podinfo-pipeline-helm\s/);
  });

  it('keeps status behind the status subresource: a spec write cannot set it, a status write can', async () => {
    const condition = (status: string) => ({ status: { conditions: [{ type: 'Ready', status, reason: 'Test', message: 'e2e', lastTransitionTime: '2026-01-01T00:00:00Z' }] } });
    const ready = async () =>
      (await cluster.kubectl(['get', 'pipelines.v1alpha2.wego.weave.works', 'example-pipeline-crd', '-n', 'flux-system', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout;
    const target = ['pipelines.v1alpha2.wego.weave.works', 'example-pipeline-crd', '-n', 'flux-system', '--type=merge'];
    expect((await cluster.kubectl(['patch', ...target, '-p', JSON.stringify(condition('True'))])).code).toBe(0);
    expect(await ready()).toBe('');
    expect((await cluster.kubectl(['patch', ...target, '--subresource=status', '-p', JSON.stringify(condition('True'))])).code).toBe(0);
    expect(await ready()).toBe('True');
  });
});
