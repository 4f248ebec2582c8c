// The README's "Run against a real cluster" walkthrough, step by step, on a cluster of
// its own (it ends by uninstalling our CRDs, which the shared cluster's other files need):
// Flux's CRDs stand in for installing Flux, then `make install demo`, the server with
// `--source kube` on the current context, and `make uninstall-demo uninstall`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_PIPELINES_QUERY, DEMO_PIPELINES } from '../queries/demo-expectations.js';
import { clientAt } from '../support/graphql-client.js';
import { ROOT, startServer, type RunningServer } from '../support/processes.js';
import { startTestCluster, type TestCluster } from './harness/cluster.js';
import { installCrds } from './harness/crds.js';

const run = promisify(execFile);
let cluster: TestCluster;
let server: RunningServer | undefined;

/** Runs make in the repository as a user would, kubectl pointed at the private cluster. */
async function make(...targets: string[]): Promise<string> {
  try {
    const { stdout } = await run('make', ['--no-print-directory', ...targets], {
      cwd: ROOT,
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    throw new Error(`make ${targets.join(' ')} failed:\n${stdout}\n${stderr}`);
  }
}

/**
 * Plays the namespace controller, which this cluster does not run: kubectl waits for a
 * deleted namespace to be gone, and only that controller finalizes one. kubectl has
 * already deleted everything the demo put in them; what is left is to empty each
 * Terminating namespace's finalizers, as the controller does once the content is gone.
 */
async function finalizeNamespacesUntil(done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => {});
  while (!finished) {
    const listed = await cluster.kubectl(['get', 'namespaces', '-o', 'json']);
    const items = (JSON.parse(listed.stdout || '{"items":[]}') as { items: any[] }).items;
    for (const ns of items.filter((n) => n.metadata.deletionTimestamp)) {
      const finalized = { ...ns, spec: { ...ns.spec, finalizers: [] } };
      await cluster.kubectl(['replace', '--raw', `/api/v1/namespaces/${ns.metadata.name}/finalize`, '-f', '-'], { input: JSON.stringify(finalized) });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  cluster = await startTestCluster();
  // "Install Flux": what the service and the demo need of it are its CRDs and flux-system.
  await installCrds(cluster, cluster.fluxCrdPaths);
  const ns = await cluster.kubectl(['create', 'namespace', 'flux-system']);
  if (ns.code !== 0) throw new Error(ns.stderr);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
});

describe('the README walkthrough on a real API server', () => {
  it('`make install demo` installs the CRDs and the demo in one go', async () => {
    const out = await make('install', 'demo');
    expect(out).toMatch(/customresourcedefinition\.apiextensions\.k8s\.io\/pipelines\.wego\.weave\.works (created|configured|unchanged)/);
    expect(out).toMatch(/condition met/);
    expect(out).toMatch(/pipeline\.wego\.weave\.works\/example-pipeline-stage created/);
    expect(out).toMatch(/configmap\/example-pipeline created/);

    const got = await cluster.kubectl(['get', 'pipelines,pipelinestages,kustomizations,helmreleases', '-A', '-o', 'name']);
    expect(got.code).toBe(0);
    const names = got.stdout.trim().split('\n');
    expect(names.filter((n) => n.startsWith('pipeline.'))).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('pipelinestage.'))).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('kustomization.'))).toHaveLength(3);
    // Three stage releases plus the intruder in `default`.
    expect(names.filter((n) => n.startsWith('helmrelease.'))).toHaveLength(4);
  });

  it('`npm start -- --source kube` on the current context serves all four pipelines, the intruder left out', async () => {
    // `npm start` builds and runs dist/src/main.js; the suite runs the same entry point.
    server = await startServer(['--source', 'kube'], { KUBECONFIG: cluster.kubeconfigPath });
    const response = await clientAt(server!.url).query(ALL_PIPELINES_QUERY);
    expect(response.errors).toBeUndefined();
    const pipelines = response.data!.pipelines as any[];
    expect(pipelines.map((p) => [p.approach, p.name]).sort()).toEqual(DEMO_PIPELINES.map((p) => [p.approach, p.name]).sort());
    for (const pipeline of pipelines) {
      expect(pipeline.stages.map((s: any) => s.name)).toEqual(['dev', 'staging', 'prod']);
      for (const stage of pipeline.stages) {
        // Flux has not reconciled anything here: the releases are there, their workloads not yet.
        expect(stage.releases.map((r: any) => `${r.namespace}/${r.name}`).sort()).toEqual(
          [`${stage.name}/podinfo-pipeline-helm`, `${stage.name}/${stage.name}`].sort(),
        );
      }
    }
    expect(JSON.stringify(response)).not.toContain('"namespace":"default"');
  });

  it('`make uninstall-demo uninstall` removes it all; the service reports the missing CRDs and keeps serving', async () => {
    const uninstalled = make('uninstall-demo', 'uninstall');
    await finalizeNamespacesUntil(uninstalled);
    await uninstalled;
    const namespaces = await cluster.kubectl(['get', 'namespaces', '-o', 'name']);
    expect(namespaces.stdout).not.toMatch(/namespace\/(dev|staging|prod)\n/);
    const crds = await cluster.kubectl(['get', 'crd', '-o', 'name']);
    expect(crds.stdout).not.toContain('wego.weave.works');
    const cms = await cluster.kubectl(['get', 'configmaps', '-n', 'flux-system', '-o', 'name']);
    expect(cms.stdout).not.toContain('example-pipeline');

    // The service's store hears of the deleted CRDs through its watches: give it a moment.
    let response = await clientAt(server!.url).query(ALL_PIPELINES_QUERY);
    for (const deadline = Date.now() + 30_000; response.errors?.[0]?.extensions?.code !== 'CRD_NOT_INSTALLED' && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      response = await clientAt(server!.url).query(ALL_PIPELINES_QUERY);
    }
    // The three Pipeline approaches share the one failed read: one null, one error.
    expect(response.data!.pipelines).toEqual([null]);
    expect(response.errors!.map((e: any) => e.extensions.code)).toEqual(['CRD_NOT_INSTALLED']);
    expect(response.errors![0].message).toContain('make install');
    const cm = await clientAt(server!.url).query(ALL_PIPELINES_QUERY, { approach: 'CM' });
    expect(cm).toEqual({ status: 200, data: { pipelines: [] } });
  });
});
