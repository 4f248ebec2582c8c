// README promises of the HTTP layer, in-process over a real socket on loopback:
// /readyz answers 503 while draining and when the source is not ready, and a document
// that is not GraphQL gets GRAPHQL_PARSE_FAILED.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterSource, Readiness } from '../src/cluster/reader.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/server/create-app.js';
import { createHttpServer } from '../src/server/http-server.js';
import { demoSource } from './support/demo-app.js';
import { clientFor } from './support/graphql-client.js';

let server: Server | undefined;
afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((r) => server!.close(r));
  server = undefined;
});

async function serve(source: ClusterSource, isDraining: () => boolean): Promise<string> {
  const logger = createLogger('silent');
  server = createHttpServer({ app: createApp({ source, logger }), source, logger, isDraining, maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const withReadiness = (inner: ClusterSource, readiness: () => Promise<Readiness>): ClusterSource => ({
  description: inner.description,
  readerFor: (scope) => inner.readerFor(scope),
  checkReady: readiness,
});

describe('/readyz', () => {
  it('answers 200 while serving, 503 "draining" once shutdown has begun, while /healthz stays 200', async () => {
    let draining = false;
    const base = await serve(await demoSource(), () => draining);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', message: 'serving the built-in demo snapshot' });

    draining = true;
    const drainingAnswer = await fetch(`${base}/readyz`);
    expect(drainingAnswer.status).toBe(503);
    expect(await drainingAnswer.json()).toEqual({ status: 'draining' });
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('does not even ask the source while draining', async () => {
    let asked = 0;
    const source = withReadiness(await demoSource(), async () => {
      asked++;
      return { ready: true, message: 'ok' };
    });
    const base = await serve(source, () => true);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect(asked).toBe(0);
  });

  it('answers 503 with the source\'s message when it is not ready, and a fixed one when the check fails', async () => {
    let check: () => Promise<Readiness> = async () => ({ ready: false, message: 'API server unreachable' });
    const base = await serve(withReadiness(await demoSource(), () => check()), () => false);
    const unready = await fetch(`${base}/readyz`);
    expect(unready.status).toBe(503);
    expect(await unready.json()).toEqual({ status: 'unready', message: 'API server unreachable' });

    check = async () => {
      throw new Error('secret-bearing detail canary-readyz-71');
    };
    const failed = await fetch(`${base}/readyz`);
    expect(failed.status).toBe(503);
    expect(await failed.json()).toEqual({ status: 'unready', message: 'readiness check failed' });
  });
});

describe('GRAPHQL_PARSE_FAILED', () => {
  it.each([
    ['an unclosed selection', '{ pipelines { name '],
    ['not GraphQL at all', 'SELECT * FROM pipelines'],
    ['an empty document', ' '],
  ])('is the code for %s, with the request id, and nothing is read', async (_what, document) => {
    const demo = await demoSource();
    let reads = 0;
    const source: ClusterSource = { ...withReadiness(demo, () => demo.checkReady()), readerFor: (scope) => ({ list: (...args) => (reads++, demo.readerFor(scope).list(...args)) }) };
    const response = await clientFor(createApp({ source, logger: createLogger('silent') })).query(document, undefined, { 'x-request-id': 'parse-1' });
    expect(response.data).toBeUndefined();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED', requestId: 'parse-1' });
    expect(response.errors![0]!.message).toMatch(/^Syntax Error: /);
    expect(reads).toBe(0);
  });
});
