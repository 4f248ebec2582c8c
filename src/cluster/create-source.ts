import type { SourceConfig } from '../config.js';
import type { KubeSourceConfig } from './kube/kube-source.js';
import type { ClusterSource } from './reader.js';
import { demoSnapshotPath } from './snapshot/demo-snapshot.js';
import { SnapshotSource } from './snapshot/snapshot-source.js';

/** The configured data source. The Kubernetes client is loaded only when it is used. */
export async function createSource(config: SourceConfig, hooks: Pick<KubeSourceConfig, 'onKubeRequest'> = {}): Promise<ClusterSource> {
  switch (config.type) {
    case 'demo':
      return SnapshotSource.load(demoSnapshotPath(), 'the built-in demo snapshot');
    case 'snapshot':
      // A file or directory is watched: edits reach the store (and subscribers) as changes.
      return SnapshotSource.load(config.path, `snapshot ${config.path}`, { watch: true });
    case 'kube': {
      const { KubeSource } = await import('./kube/kube-source.js');
      return KubeSource.create({ ...config, ...hooks });
    }
  }
}
