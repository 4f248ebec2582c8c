#!/usr/bin/env node
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ConfigError, parseServerConfig, SERVER_USAGE } from './config.js';
import { createSource } from './cluster/create-source.js';
import { SnapshotError } from './cluster/snapshot/load-snapshot.js';
import { createLogger } from './logger.js';
import { accessFromConfig } from './server/auth-setup.js';
import { createApp, DEFAULT_SUBSCRIPTIONS } from './server/create-app.js';
import { createHttpServer, createMetricsServer } from './server/http-server.js';
import { observeKubeRequest, setStoreStatsProvider, startProcessMetrics, type StoreStats } from './metrics.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = parseServerConfig(process.argv.slice(2), process.env);
  if (config === 'help') {
    process.stdout.write(SERVER_USAGE);
    return;
  }
  const logger = createLogger(config.logLevel);
  // Every finished Kubernetes request (list, watch start, discovery) is counted and timed.
  const source = await createSource(config.source, { onKubeRequest: observeKubeRequest });
  // A watch going down or coming back is worth a line: answers are stale meanwhile.
  source.subscribe?.((event) => {
    if (event.type !== 'health') return;
    if (event.stale || event.error) logger.warn({ kind: event.kind, stale: event.stale, error: event.error?.message }, 'store feed failing');
    else logger.info({ kind: event.kind }, 'store feed in sync');
  });
  const access = await accessFromConfig(config, logger);
  let draining = false;
  const server = createHttpServer({
    app: createApp({
      source,
      logger,
      limits: config.limits,
      access,
      subscriptions: { ...DEFAULT_SUBSCRIPTIONS, maxOpen: config.maxSubscriptions },
      resultCacheBytes: config.resultCacheBytes,
    }),
    source,
    logger,
    isDraining: () => draining,
    maxBodyBytes: config.limits.maxBodyBytes,
    limits: config.limits,
    serveMetrics: config.metricsPort === null,
  });
  startProcessMetrics();
  // The store's figures for /metrics, from a source that keeps a store (contract 1); none otherwise.
  setStoreStatsProvider(() => (source as { storeStats?: () => StoreStats | undefined }).storeStats?.());
  const { metricsPort } = config;
  const metricsServer = metricsPort === null ? null : createMetricsServer(config.limits);
  if (metricsServer && metricsPort !== null) {
    metricsServer.listen(metricsPort, config.host);
    await once(metricsServer, 'listening');
    const { port } = metricsServer.address() as AddressInfo;
    logger.info({ metricsPort: port }, `serving metrics at http://localhost:${port}/metrics`);
  }
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  logger.info({ port, source: source.description }, `serving GraphQL at http://localhost:${port}/graphql`);

  const shutdown = (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('grace period over: closing remaining connections');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // Scrapes may still come while draining; the metrics port closes with the API.
    server.close(() => {
      metricsServer?.closeAllConnections();
      metricsServer?.close();
      // Watches and file watchers end with the requests they fed.
      void (source.stop?.() ?? Promise.resolve()).finally(() => {
        logger.info('stopped');
        process.exit(0);
      });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const expected = error instanceof ConfigError || error instanceof SnapshotError;
  process.stderr.write(`flux-pipelines-api: ${expected ? (error as Error).message : (error as Error).stack ?? String(error)}\n`);
  if (error instanceof ConfigError) process.stderr.write('Run with --help for usage.\n');
  process.exit(1);
});
