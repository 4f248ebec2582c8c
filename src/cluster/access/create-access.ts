import type { SourceConfig } from '../../config.js';
import { ConfigError } from '../../config.js';
import type { AccessReviewer } from './access-reviewer.js';

/**
 * The reviewer for `--auth token|proxy`: the API server of `--source kube`, asked with
 * the service's own credentials. client-node is loaded only when it is used.
 */
export async function createAccessReviewer(source: SourceConfig): Promise<AccessReviewer> {
  if (source.type !== 'kube') throw new ConfigError('--auth token and --auth proxy need --source kube: access is decided by the cluster\'s RBAC');
  const [{ loadKubeConfig }, { KubeAccessReviewer }] = await Promise.all([import('../kube/kube-config.js'), import('./kube-access-reviewer.js')]);
  return new KubeAccessReviewer(loadKubeConfig(source));
}
