import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatPipelines, type CliPipeline } from '../src/cli/format-text.js';
import { CLI_ENTRY, ROOT, runNode } from './support/processes.js';

const stageBlock = (order: number, env: string, version: string, helmFirst: boolean) => {
  const deployments = [`    Deployment/podinfo: ${version}`, `    Deployment/podinfo-2: ${version}`];
  const helm = `    HelmRelease/podinfo-pipeline-helm: ${version}`;
  return [`  ${order}. ${env} (namespace ${env})`, ...(helmFirst ? [helm, ...deployments] : [...deployments, helm])];
};

const expectedReport = (approach: string, name: string, helmFirst: boolean) =>
  [
    `Pipeline flux-system/${name} (${approach})`,
    ...stageBlock(1, 'dev', '6.1.8', helmFirst),
    ...stageBlock(2, 'staging', '6.1.7', helmFirst),
    ...stageBlock(3, 'prod', '6.1.6', helmFirst),
    '',
  ].join('\n');

describe('flux-pipelines get', () => {
  it.each([
    // Label-selected releases come Kustomizations first; refs come in the order the definition lists them.
    ['hybrid', 'HYBRID', 'example-pipeline', false],
    ['crd', 'CRD', 'example-pipeline-crd', true],
    ['stage', 'STAGE', 'example-pipeline-stage', true],
    ['cm', 'CM', 'example-pipeline', false],
  ])('prints the POC report for %s', async (arg, approach, name, helmFirst) => {
    const finished = await runNode([CLI_ENTRY, 'get', arg]);
    expect(finished.stderr).toBe('');
    expect(finished.code).toBe(0);
    expect(finished.stdout).toBe(expectedReport(approach, name, helmFirst));
  });

  it('defaults to the hybrid approach, as the POC did', async () => {
    const finished = await runNode([CLI_ENTRY, 'get']);
    expect(finished.stdout).toBe(expectedReport('HYBRID', 'example-pipeline', false));
  });

  it('prints the GraphQL result with -o json', async () => {
    const finished = await runNode([CLI_ENTRY, 'get', 'stage', '--name', 'example-pipeline-stage', '-o', 'json']);
    expect(finished.code).toBe(0);
    const result = JSON.parse(finished.stdout);
    expect(result.errors).toBeUndefined();
    expect(result.data.pipeline).toMatchObject({ name: 'example-pipeline-stage', approach: 'STAGE' });
    expect(result.data.pipeline.stages.map((s: any) => s.name)).toEqual(['dev', 'staging', 'prod']);
  });

  it('reports a missing pipeline on stderr with its code and exits 1', async () => {
    const finished = await runNode([CLI_ENTRY, 'get', 'cm', '--name', 'nope']);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain('No CM pipeline named "nope" in namespace "flux-system". (at pipeline) [PIPELINE_NOT_FOUND]');
  });

  it('rejects an unknown approach with usage help and exit code 2', async () => {
    const finished = await runNode([CLI_ENTRY, 'get', 'yaml']);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain('unknown approach "yaml"; use hybrid, crd, stage or cm');
  });

  it('reports a snapshot that cannot be read as an error (exit 1), not as bad usage', async () => {
    const finished = await runNode([CLI_ENTRY, 'get', '--source', 'no/such/snapshot.yaml']);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain('no/such/snapshot.yaml');
    expect(finished.stderr).not.toContain('--help');
  });

  it('reads another snapshot with --source', async () => {
    const finished = await runNode([CLI_ENTRY, 'get', 'cm', '--source', 'demo/snapshot/pipelines.yaml']);
    expect(finished.code).toBe(0);
    // Only definitions are in that file: the stages are there, nothing deployed in them.
    expect(finished.stdout).toContain('  1. dev (namespace dev)\n    (nothing deployed)\n');
  });

  it('prints what it can of a partly broken pipeline, says what is missing, and exits 1', async () => {
    // The demo without the prod PipelineStage: that stage cannot be resolved, the others can.
    const dir = await mkdtemp(join(tmpdir(), 'cli-partial-'));
    await cp(join(ROOT, 'demo/snapshot'), dir, { recursive: true });
    const path = join(dir, 'pipelines.yaml');
    const kept = parseAllDocuments(await readFile(path, 'utf8')).filter((doc) => {
      const object = doc.toJS() as { kind: string; metadata: { name: string } };
      return !(object.kind === 'PipelineStage' && object.metadata.name === 'example-pipeline-prod');
    });
    await writeFile(path, kept.map(String).join('---\n'));

    const finished = await runNode([CLI_ENTRY, 'get', 'stage', '--source', dir]);
    expect(finished.code).toBe(1);
    expect(finished.stdout).toContain(['  2. staging (namespace staging)', '    HelmRelease/podinfo-pipeline-helm: 6.1.7'].join('\n'));
    expect(finished.stdout).toContain('  3. prod (namespace prod)\n    (could not be read: see the errors)\n');
    expect(finished.stderr).toMatch(/^error: .*example-pipeline-prod.* \(at pipelines\.0\.stages\.2\.releases\) \[STAGE_NOT_FOUND\]\n$/);
  });
});

describe('formatPipelines', () => {
  it('marks releases and workloads that could not be read instead of failing', () => {
    const release = { __typename: 'Kustomization', name: 'dev', ready: true, readyReason: null, version: 'main@sha1:abc', workloads: null } as const;
    const pipeline: CliPipeline = {
      name: 'p',
      namespace: 'flux-system',
      approach: 'CRD',
      stages: [{ name: 'dev', namespace: 'dev', order: 1, releases: [release, null] }],
    };
    expect(formatPipelines([pipeline])).toBe(
      [
        'Pipeline flux-system/p (CRD)',
        '  1. dev (namespace dev)',
        '    (1 release could not be read: see the errors)',
        '    Kustomization/dev: main@sha1:abc  (workloads could not be read: see the errors)',
        '',
      ].join('\n'),
    );
  });
});
