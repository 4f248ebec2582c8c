import { afterAll } from 'vitest';
import { KubeSource, type KubeSourceConfig } from '../../../src/cluster/kube/kube-source.js';
import { createLogger } from '../../../src/logger.js';
import { createApp, type App } from '../../../src/server/create-app.js';
import { clientFor, type GraphQLClient } from '../../support/graphql-client.js';

export interface KubeClient {
  source: KubeSource;
  app: App;
  client: GraphQLClient;
  /** Every HTTP request the service sent to the API server, as "METHOD path?query". */
  requests: string[];
}

const started: KubeSource[] = [];
// Every source a test file starts keeps watches open: stop them when the file is done.
afterAll(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

/** The service reading a real API server through the given kubeconfig, as `--source kube` does. */
export function kubeClient(
  kubeconfig: string,
  limits?: Parameters<typeof createApp>[0]['limits'],
  options: Omit<KubeSourceConfig, 'kubeconfig' | 'context' | 'onRequest'> = {},
): KubeClient {
  const requests: string[] = [];
  const source = KubeSource.create({
    kubeconfig,
    context: null,
    onRequest: (method, url) => {
      const u = new URL(url);
      requests.push(`${method} ${u.pathname}${u.search}`);
    },
    ...options,
  });
  started.push(source);
  const app = createApp({ source, logger: createLogger('silent'), ...(limits ? { limits } : {}) });
  return { source, app, client: clientFor(app), requests };
}
