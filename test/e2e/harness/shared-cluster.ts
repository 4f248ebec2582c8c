import { join } from 'node:path';
import { inject } from 'vitest';
import { callClusterControl } from './cluster-control.js';
import type { TestCluster } from './cluster.js';
import { writeKubeconfigFile } from './kubeconfig.js';
import { runKubectl } from './kubectl.js';
import type { SharedClusterInfo } from './provided.js';

/** The suite-wide cluster as seen from a test file: everything but stop(), which the global teardown owns. */
export interface SharedTestCluster extends Omit<TestCluster, 'stop'> {
  /** CRD resource names the global setup installed and waited for. */
  installedCrds: string[];
}

/** Builds a handle on the shared cluster from the data the global setup provided. */
export function connectSharedCluster(info: SharedClusterInfo): SharedTestCluster {
  const { control, ...connection } = info;
  const kubectlCacheDir = join(info.tempDir, 'kubectl-cache');
  return {
    ...connection,
    writeKubeconfig: (path, token, contextName) =>
      writeKubeconfigFile(path, { server: info.server, caData: info.caData, token, contextName }),
    kubectl: (args, opts = {}) => runKubectl(opts.kubeconfig ?? info.kubeconfigPath, kubectlCacheDir, args, opts),
    stopApiServer: () => callClusterControl(control, '/apiserver/stop'),
    startApiServer: () => callClusterControl(control, '/apiserver/start'),
  };
}

/** The shared e2e cluster, for use in test files. */
export function useSharedCluster(): SharedTestCluster {
  return connectSharedCluster(inject('e2eCluster'));
}
