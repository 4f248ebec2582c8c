import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { formatPipelines, formatTable, type CliPipeline } from '../src/cli/format-text.js';
import { CLI_ENTRY, ROOT, runNode } from './support/processes.js';

const VERSIONS = { dev: '6.1.8', staging: '6.1.7', prod: '6.1.6' } as const;

/** The rows `get` prints for one demo pipeline: refs come in definition order (HelmRelease first), labels Kustomization first. */
const demoRows = (name: string, approach: string, helmFirst: boolean) =>
  (['dev', 'staging', 'prod'] as const).flatMap((env, i) => {
    const stage = `${i + 1}/${env}`;
    const deployments = ['Deployment/podinfo', 'Deployment/podinfo-2'].map((o) => [name, approach, stage, 'HEALTHY', o, VERSIONS[env]]);
    const helm = [name, approach, stage, 'HEALTHY', 'HelmRelease/podinfo-pipeline-helm', VERSIONS[env]];
    return helmFirst ? [helm, ...deployments] : [...deployments, helm];
  });
const HEADERS = ['PIPELINE', 'APPROACH', 'STAGE', 'HEALTH', 'OBJECT', 'VERSION'];

describe('flux-pipelines get', () => {
  it.each([
    ['hybrid', 'HYBRID', 'example-pipeline', false],
    ['crd', 'CRD', 'example-pipeline-crd', true],
    ['stage', 'STAGE', 'example-pipeline-stage', true],
    ['cm', 'CM', 'example-pipeline', false],
  ])('prints an aligned table with a health column for %s', async (arg, approach, name, helmFirst) => {
    const finished = await runNode([CLI_ENTRY, 'get', arg]);
    expect(finished.stderr).toBe('');
    expect(finished.code).toBe(0);
    expect(finished.stdout).toBe(formatTable(HEADERS, demoRows(name, approach, helmFirst)));
  });

  it('defaults to the hybrid approach, as the POC did, with columns aligned as kubectl aligns them', async () => {
    const finished = await runNode([CLI_ENTRY, 'get']);
    const lines = finished.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('PIPELINE           APPROACH   STAGE       HEALTH    OBJECT                              VERSION');
    expect(lines[1]).toBe('example-pipeline   HYBRID     1/dev       HEALTHY   Deployment/podinfo                  6.1.8');
    expect(lines).toHaveLength(10);
  });

  it('takes the pipeline name as an argument or with --name, in -n NAMESPACE', async () => {
    const byArg = await runNode([CLI_ENTRY, 'get', 'stage', 'example-pipeline-stage', '-n', 'flux-system']);
    const byFlag = await runNode([CLI_ENTRY, 'get', 'stage', '--name', 'example-pipeline-stage', '--namespace', 'flux-system']);
    expect(byArg.code).toBe(0);
    expect(byArg.stdout).toBe(byFlag.stdout);
    expect(byArg.stdout).toBe(formatTable(HEADERS, demoRows('example-pipeline-stage', 'STAGE', true)));
  });

  it('reads one namespace by default and every namespace with -A, which adds a NAMESPACE column', async () => {
    const elsewhere = await runNode([CLI_ENTRY, 'get', 'cm', '-n', 'default']);
    expect(elsewhere).toMatchObject({ code: 0, stdout: 'No pipelines found.\n' });
    const all = await runNode([CLI_ENTRY, 'get', 'all', '-A']);
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE {5}PIPELINE /);
    expect(lines).toHaveLength(1 + 4 * 9);
    expect(lines.slice(1).every((l) => l.startsWith('flux-system   '))).toBe(true);
  });

  it('adds the stage namespace, owning release, ready replicas, images and reason with -o wide', async () => {
    const finished = await runNode([CLI_ENTRY, 'get', 'cm', '-o', 'wide']);
    const [header, first] = finished.stdout.split('\n');
    expect(header!.split(/\s{3,}/)).toEqual([...HEADERS, 'STAGE-NAMESPACE', 'RELEASE', 'READY', 'IMAGES', 'REASON']);
    expect(first!.split(/\s{3,}/)).toEqual(['example-pipeline', 'CM', '1/dev', 'HEALTHY', 'Deployment/podinfo', '6.1.8', 'dev', 'Kustomization/dev', '1/1', 'ghcr.io/stefanprodan/podinfo:6.1.8']);
  });

  it('prints the GraphQL result with -o json and -o yaml', async () => {
    const json = await runNode([CLI_ENTRY, 'get', 'stage', '--name', 'example-pipeline-stage', '-o', 'json']);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.errors).toBeUndefined();
    expect(result.data.pipeline).toMatchObject({ name: 'example-pipeline-stage', approach: 'STAGE', health: 'HEALTHY' });
    expect(result.data.pipeline.stages.map((s: any) => s.name)).toEqual(['dev', 'staging', 'prod']);
    const yaml = await runNode([CLI_ENTRY, 'get', 'stage', '--name', 'example-pipeline-stage', '-o', 'yaml']);
    expect(parseYaml(yaml.stdout)).toEqual(result);
  });

  it('reports a missing pipeline on stderr with its code and exits 1', async () => {
    const finished = await runNode([CLI_ENTRY, 'get', 'cm', '--name', 'nope']);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain('No CM pipeline named "nope" in namespace "flux-system". (at pipeline) [PIPELINE_NOT_FOUND]');
  });

  it.each([
    [['get', 'yaml'], 'unknown approach "yaml"; use hybrid, crd, stage, cm or all'],
    [['get', '-n', 'dev', '-A'], '--namespace and --all-namespaces cannot be used together'],
    [['get', '-o', 'table'], '--output must be one of text, wide, json, yaml, got "table"'],
    [['get', 'all', 'x'], 'a NAME needs an approach'],
    [['diff'], 'diff needs a pipeline NAME'],
    [['where'], 'where needs an IMAGE or --chart CHART'],
    [['promote'], 'unknown command "promote"; use get, diff or where'],
    [['get', '--kubeconfig', '/nonexistent', '--source', 'demo'], '--kubeconfig only applies to --source kube (source is "demo")'],
  ])('rejects %j with usage help and exit code 2', async (args, message) => {
    const finished = await runNode([CLI_ENTRY, ...args]);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain(message);
    expect(finished.stderr).toContain('Run with --help for usage.');
    expect(finished.stdout).toBe('');
  });

  it('prints its version, and help for each command', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(await runNode([CLI_ENTRY, '--version'])).toMatchObject({ code: 0, stdout: `flux-pipelines ${pkg.version}\n` });
    for (const [command, first] of [['get', 'Usage: flux-pipelines get '], ['diff', 'Usage: flux-pipelines diff NAME'], ['where', 'Usage: flux-pipelines where IMAGE']]) {
      const help = await runNode([CLI_ENTRY, command!, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout.startsWith(first!)).toBe(true);
      expect(help.stdout).toContain('-A, --all-namespaces');
    }
    expect((await runNode([CLI_ENTRY, '-h'])).stdout).toContain('Commands:');
  });

  it('reads the cluster, never the demo, when --kubeconfig or --context is given without --source', async () => {
    // A kubeconfig naming a loopback port nothing listens on: the answer must be that cluster's failure.
    const dir = await mkdtemp(join(tmpdir(), 'cli-kube-'));
    const kubeconfig = join(dir, 'config');
    await writeFile(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: nowhere',
      'clusters: [{ name: nowhere, cluster: { server: "https://127.0.0.1:1" } }]',
      'users: [{ name: u, user: { token: t } }]',
      'contexts: [{ name: nowhere, context: { cluster: nowhere, user: u } }, { name: other, context: { cluster: nowhere, user: u } }]',
    ].join('\n'));
    for (const args of [['--kubeconfig', kubeconfig], ['--context', 'other']]) {
      const finished = await runNode([CLI_ENTRY, 'get', ...args], { KUBECONFIG: kubeconfig, FLUX_PIPELINES_SOURCE: '' });
      expect(finished.code).toBe(1);
      expect(finished.stdout).not.toContain('example-pipeline');
      expect(finished.stderr).toContain('[KUBERNETES_UNAVAILABLE]');
    }
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
    // Only definitions are in that file: the stages are there, nothing deployed in them, so nothing to call healthy.
    expect(finished.stdout.split('\n')[1]!.split(/\s{3,}/)).toEqual(['example-pipeline', 'CM', '1/dev', 'UNKNOWN', '(nothing deployed)']);
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
    const rows = finished.stdout.trimEnd().split('\n').map((l) => l.split(/\s{3,}/));
    expect(rows).toContainEqual(['example-pipeline-stage', 'STAGE', '2/staging', 'HEALTHY', 'HelmRelease/podinfo-pipeline-helm', '6.1.7']);
    expect(rows.at(-1)).toEqual(['example-pipeline-stage', 'STAGE', '3/prod', 'UNKNOWN', '(could not be read: see the errors)']);
    expect(finished.stderr).toMatch(/^error: .*example-pipeline-prod.* \(at pipelines\.0\.stages\.2\.releases\) \[STAGE_NOT_FOUND\]\n$/);
  });
});

describe('flux-pipelines diff', () => {
  it('prints the drift between adjacent stages for every pipeline of that name', async () => {
    const finished = await runNode([CLI_ENTRY, 'diff', 'example-pipeline']);
    expect(finished.stderr).toBe('');
    expect(finished.code).toBe(0);
    const rows = finished.stdout.trimEnd().split('\n').map((l) => l.split(/\s{3,}/));
    expect(rows[0]).toEqual(['PIPELINE', 'APPROACH', 'UPSTREAM', 'DOWNSTREAM', 'COMPONENT', 'UPSTREAM-VERSION', 'DOWNSTREAM-VERSION', 'STATUS']);
    // HYBRID and CM both define "example-pipeline": 2 pairs × 4 components each.
    expect(rows).toHaveLength(1 + 2 * 8);
    expect(rows).toContainEqual(['example-pipeline', 'HYBRID', 'dev', 'staging', 'chart:podinfo', '6.1.8', '6.1.7', 'BEHIND']);
    expect(rows).toContainEqual(['example-pipeline', 'CM', 'staging', 'prod', 'image:Deployment/podinfo/podinfod', '6.1.7', '6.1.6', 'BEHIND']);
    const crdOnly = await runNode([CLI_ENTRY, 'diff', 'example-pipeline-crd', '--approach', 'crd']);
    expect(crdOnly.stdout.trimEnd().split('\n')).toHaveLength(1 + 8);
  });

  it('says when there is no such pipeline, exit 1', async () => {
    const finished = await runNode([CLI_ENTRY, 'diff', 'nope']);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toBe('error: no pipeline named "nope" in namespace "flux-system" [PIPELINE_NOT_FOUND]\n');
  });
});

describe('flux-pipelines where', () => {
  it('lists every placement of an image repository across all pipelines', async () => {
    const finished = await runNode([CLI_ENTRY, 'where', 'ghcr.io/stefanprodan/podinfo']);
    expect(finished.code).toBe(0);
    const rows = finished.stdout.trimEnd().split('\n').map((l) => l.split(/\s{3,}/));
    expect(rows[0]).toEqual(['NAMESPACE', 'PIPELINE', 'APPROACH', 'STAGE', 'RELEASE', 'WORKLOAD', 'CONTAINER', 'VERSION']);
    expect(rows).toHaveLength(1 + 36);
    expect(rows[1]).toEqual(['flux-system', 'example-pipeline', 'HYBRID', 'dev', 'Kustomization/dev', 'Deployment/podinfo', 'podinfod', '6.1.8']);
  });

  it('lists chart placements with --chart, and says when nothing matches', async () => {
    const charts = await runNode([CLI_ENTRY, 'where', '--chart', 'podinfo']);
    expect(charts.stdout.trimEnd().split('\n')).toHaveLength(1 + 12);
    const none = await runNode([CLI_ENTRY, 'where', 'nginx:1.27']);
    expect(none).toMatchObject({ code: 0, stdout: 'Not deployed in any pipeline.\n' });
  });
});

describe('formatPipelines', () => {
  it('marks releases and workloads that could not be read instead of failing', () => {
    const reason = { message: 'x' };
    const release = { __typename: 'Kustomization', name: 'dev', health: 'UNKNOWN', healthReason: reason, version: 'main@sha1:abc', workloads: null } as const;
    const pipeline: CliPipeline = {
      name: 'p',
      namespace: 'flux-system',
      approach: 'CRD',
      health: 'UNKNOWN',
      stages: [{ name: 'dev', namespace: 'dev', order: 1, health: 'UNKNOWN', healthReason: reason, releases: [release, null] }],
    };
    expect(formatPipelines([pipeline], { allNamespaces: false, wide: false })).toBe(
      formatTable(HEADERS, [
        ['p', 'CRD', '1/dev', 'UNKNOWN', 'Kustomization/dev (workloads (could not be read: see the errors))', 'main@sha1:abc'],
        ['p', 'CRD', '1/dev', 'UNKNOWN', 'release (could not be read: see the errors)', ''],
      ]),
    );
  });
});
