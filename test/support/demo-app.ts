import { createSource } from '../../src/cluster/create-source.js';
import type { ClusterSource } from '../../src/cluster/reader.js';
import { createLogger } from '../../src/logger.js';
import { createApp, type App } from '../../src/server/create-app.js';

export const demoSource = (): Promise<ClusterSource> => createSource({ type: 'demo' });

export function appFor(source: ClusterSource): App {
  return createApp({ source, logger: createLogger('silent') });
}
