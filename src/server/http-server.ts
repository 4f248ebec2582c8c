import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ClusterSource } from '../cluster/reader.js';
import type { App } from './create-app.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';
import { serveWebPage } from './web-assets.js';

export interface HttpServerOptions {
  app: App;
  source: ClusterSource;
  logger: Logger;
  /** True once shutdown has begun: readiness turns false so traffic drains away. */
  isDraining: () => boolean;
  maxBodyBytes: number;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function bodyError(message: string, code: string, requestId: string) {
  return { errors: [{ message, extensions: { code, requestId } }] };
}

/** GraphQL at /graphql, liveness at /healthz, readiness at /readyz; one JSON log line per request. */
export function createHttpServer({ app, source, logger, isDraining, maxBodyBytes }: HttpServerOptions): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER] as string | undefined);
    // Yoga's context reads the id from the header, so the log line and GraphQL errors agree.
    req.headers[REQUEST_ID_HEADER] = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const path = (req.url ?? '/').split('?')[0];
    // Probes arrive every few seconds from the kubelet: keep them out of the info log.
    const level = path === '/healthz' || path === '/readyz' ? 'debug' : 'info';
    res.on('finish', () => {
      logger[level](
        {
          requestId,
          method: req.method,
          path,
          status: res.statusCode,
          durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        },
        'request',
      );
    });

    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      if (isDraining()) return sendJson(res, 503, { status: 'draining' });
      const timeout = AbortSignal.timeout(5_000);
      source.checkReady(timeout).then(
        (r) => sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'unready', message: r.message }),
        () => sendJson(res, 503, { status: 'unready', message: 'readiness check failed' }),
      );
      return;
    }
    if (serveWebPage(req, res, path ?? '/')) return;
    if (req.method === 'POST') {
      // Node's parser holds a body to its declared length, so checking the header bounds the read.
      const length = req.headers['content-length'];
      if (length === undefined) return sendJson(res, 411, bodyError('A POST needs a Content-Length header.', 'LENGTH_REQUIRED', requestId));
      if (Number(length) > maxBodyBytes) {
        res.setHeader('connection', 'close');
        return sendJson(res, 413, bodyError(`The request body is ${length} bytes, over the limit of ${maxBodyBytes}.`, 'REQUEST_TOO_LARGE', requestId));
      }
    }
    void app(req, res);
  });
}
