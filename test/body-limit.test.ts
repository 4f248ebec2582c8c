// The request body bound (src/server/body-limit.ts), which replaces Yoga's counting stream:
// through app.fetch (no node:http parser holding the body to its Content-Length) and through
// the HTTP server.
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createSource } from '../src/cluster/create-source.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/server/create-app.js';
import { createHttpServer } from '../src/server/http-server.js';

const limits = { ...DEFAULT_LIMITS, maxBodyBytes: 1_000 };
const query = (padding: number) => JSON.stringify({ query: `{ pipeline(approach: HYBRID, name: "example-pipeline") { name } }${' '.repeat(padding)}` });

/** A body sent in chunks with no Content-Length, as a chunked HTTP body arrives. */
function streamed(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 100));
      at += 100;
    },
  });
}

describe('request body bound', () => {
  const app = async () => createApp({ source: await createSource({ type: 'demo' }), logger: createLogger('silent'), limits });
  const post = async (body: BodyInit, headers: Record<string, string> = {}) => {
    const response = await (await app()).fetch('http://test.local/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'body-1', ...headers },
      body,
      duplex: 'half',
    } as RequestInit);
    return { status: response.status, json: (await response.json()) as any };
  };

  it('answers a body within the bound, whole or in chunks', async () => {
    expect((await post(query(0))).json.data).toEqual({ pipeline: { name: 'example-pipeline' } });
    expect((await post(streamed(query(800)))).json.data).toEqual({ pipeline: { name: 'example-pipeline' } });
  });

  it('refuses a Content-Length over the bound with 413, naming the limit', async () => {
    const answer = await post(query(1_000));
    expect(answer.status).toBe(413);
    expect(answer.json.errors).toEqual([
      { message: 'The request body is over the limit of 1000 bytes.', extensions: { code: 'REQUEST_TOO_LARGE', requestId: 'body-1' } },
    ]);
  });

  it('refuses a body without a Content-Length once it passes the bound', async () => {
    const answer = await post(streamed(query(5_000)));
    expect(answer.status).toBe(413);
    expect(answer.json.errors[0].extensions).toEqual({ code: 'REQUEST_TOO_LARGE', requestId: 'body-1' });
  });

  it('answers a body within the bound through the HTTP server, and refuses one over it before reading it', async () => {
    const logger = createLogger('silent');
    const source = await createSource({ type: 'demo' });
    const server = createHttpServer({ app: createApp({ source, logger, limits }), source, logger, isDraining: () => false, maxBodyBytes: limits.maxBodyBytes });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const send = (body: string) =>
        new Promise<{ status: number; json: any }>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
          });
          req.on('error', reject);
          req.end(body);
        });
      expect((await send(query(900))).json.data).toEqual({ pipeline: { name: 'example-pipeline' } });
      const over = await send(query(1_000));
      expect(over.status).toBe(413);
      expect(over.json.errors[0].extensions.code).toBe('REQUEST_TOO_LARGE');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
