// Starts the one cluster the whole e2e suite shares: builds or finds the
// binaries, starts etcd + kube-apiserver, installs the Flux CRDs and provides
// the connection to test files (see harness/shared-cluster.ts).
import type { TestProject } from 'vitest/node';
import { E2eAssetsUnavailableError, ensureE2eAssets } from './harness/assets.js';
import { startTestCluster } from './harness/cluster.js';
import { serveClusterControl } from './harness/cluster-control.js';
import { installCrds } from './harness/crds.js';
import './harness/provided.js';

function seconds(from: number, to: number): string {
  return `${((to - from) / 1000).toFixed(1)} s`;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  let assets;
  try {
    assets = await ensureE2eAssets();
  } catch (err) {
    if (err instanceof E2eAssetsUnavailableError) {
      // Fail, never skip: a green run without a cluster would prove nothing.
      console.error(`\nThe e2e suite cannot run: ${err.message}\n`);
    }
    throw err;
  }
  const assetsReady = Date.now();

  const cluster = await startTestCluster({ assets });
  let control: Awaited<ReturnType<typeof serveClusterControl>> | undefined;
  try {
    const installedCrds = await installCrds(cluster, cluster.fluxCrdPaths);
    control = await serveClusterControl(cluster);
    const { writeKubeconfig, kubectl, stopApiServer, startApiServer, stop, ...connection } = cluster;
    project.provide('e2eCluster', {
      ...connection,
      control: { url: control.url, secret: control.secret },
      installedCrds,
    });
  } catch (err) {
    await control?.close();
    await cluster.stop();
    throw err;
  }
  console.log(
    `[e2e] cluster ${cluster.server} ready: assets ${seconds(started, assetsReady)}, ` +
      `cluster and CRDs ${seconds(assetsReady, Date.now())}; logs in ${cluster.tempDir}`,
  );

  return async () => {
    await control?.close();
    await cluster.stop();
  };
}
