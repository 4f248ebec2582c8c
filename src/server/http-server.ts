import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ClusterSource } from '../cluster/reader.js';
import { DEFAULT_LIMITS, type GraphQLLimits } from '../config.js';
import { countError, countRefusal, renderMetrics, trackConnection } from '../metrics.js';
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
  /** Socket bounds: header and whole-request deadlines, keep-alive, open connections. */
  limits?: Pick<GraphQLLimits, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections' | 'queryTimeoutMs'>;
  /** Serve GET /metrics here too (false when it has a port of its own). */
  serveMetrics?: boolean;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function bodyError(message: string, code: string, requestId: string) {
  return { errors: [{ message, extensions: { code, requestId } }] };
}

/** A complete HTTP/1.1 answer written straight to a socket that has no response object. */
function rawAnswer(status: number, reason: string, body: unknown): string {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`;
}

type SocketLimits = NonNullable<HttpServerOptions['limits']>;

/**
 * Node's own socket deadlines, set from the limits: the headers within headersTimeoutMs
 * (a connection that sends nothing is closed then too), the whole request, body included,
 * within requestTimeoutMs (so a body sent at one byte a second cannot hold a socket: the
 * query deadline only starts once it is read), idle keep-alive connections closed after
 * keepAliveTimeoutMs, and a socket that sees no bytes in either direction for longer than
 * any request may take is closed. Node checks the first two periodically; the check runs
 * often enough for deadlines of a few seconds to hold within a fraction of themselves.
 */
function serverOptions(limits: SocketLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * Requests Node refuses before our handler sees them (a deadline passed, headers too
 * large, not HTTP): a JSON answer with a code, a refusal counted, a log line with an id.
 */
function onClientError(logger: Logger) {
  return (error: NodeJS.ErrnoException, socket: Socket) => {
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (timeout) countRefusal('request_timeout');
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const requestId = requestIdFrom(undefined);
    const [status, reason, code, message] = timeout
      ? [408, 'Request Timeout', 'REQUEST_TIMEOUT', 'The request was not received in time.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'BAD_REQUEST', 'The request headers are too large.']
        : [400, 'Bad Request', 'BAD_REQUEST', 'The request is not valid HTTP.'];
    countError(code);
    logger.info({ requestId, status, code: error.code }, 'request refused');
    socket.end(rawAnswer(status, reason, bodyError(message, code, requestId)));
  };
}

/**
 * At most maxConnections open at once; the next one gets a 503 TOO_MANY_CONNECTIONS and is
 * closed, so a client knows to retry instead of hanging. Counted for /metrics.
 */
function boundConnections(server: Server, limits: SocketLimits, logger: Logger): WeakSet<Socket> {
  const refused = new WeakSet<Socket>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= limits.maxConnections) {
      refused.add(socket);
      countRefusal('connections');
      countError('TOO_MANY_CONNECTIONS');
      const requestId = requestIdFrom(undefined);
      logger.debug({ requestId, open }, 'connection refused: too many open');
      socket.end(
        rawAnswer(503, 'Service Unavailable', bodyError(`Over ${limits.maxConnections} open connections; retry later.`, 'TOO_MANY_CONNECTIONS', requestId)),
      );
      return;
    }
    open++;
    const closed = trackConnection();
    socket.once('close', () => {
      open--;
      closed();
    });
  });
  return refused;
}

async function sendMetrics(res: ServerResponse): Promise<void> {
  const { contentType, body } = await renderMetrics();
  res.writeHead(200, { 'content-type': contentType });
  res.end(body);
}

/** /metrics alone, on a port of its own (--metrics-port), so it need not be exposed with the API. */
export function createMetricsServer(limits: SocketLimits = DEFAULT_LIMITS): Server {
  return createServer(serverOptions(limits), (req, res) => {
    if ((req.url ?? '/').split('?')[0] === '/metrics' && req.method === 'GET') {
      sendMetrics(res).catch(() => sendJson(res, 500, { status: 'metrics failed' }));
      return;
    }
    sendJson(res, 404, { status: 'not found' });
  });
}

/**
 * GraphQL at /graphql, liveness at /healthz, readiness at /readyz, metrics at /metrics
 * (unless it has a port of its own); one JSON log line per request.
 */
export function createHttpServer({ app, source, logger, isDraining, maxBodyBytes, limits = DEFAULT_LIMITS, serveMetrics = true }: HttpServerOptions): Server {
  // Declared before the server exists; filled in right after (the handler runs later).
  let refused = new WeakSet<Socket>();
  const server = createServer(serverOptions(limits), (req: IncomingMessage, res: ServerResponse) => {
    if (refused.has(req.socket)) return; // already answered 503 and closing
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
    if (path === '/metrics' && serveMetrics && req.method === 'GET') {
      sendMetrics(res).catch((error: unknown) => {
        logger.error({ requestId, err: error }, 'metrics failed');
        sendJson(res, 500, bodyError('Metrics could not be collected.', 'INTERNAL_SERVER_ERROR', requestId));
      });
      return;
    }
    if (serveWebPage(req, res, path ?? '/')) return;
    if (req.method === 'POST') {
      // Node's parser holds a body to its declared length, so checking the header bounds the read.
      const length = req.headers['content-length'];
      if (length === undefined) {
        countRefusal('content_length');
        countError('LENGTH_REQUIRED');
        return sendJson(res, 411, bodyError('A POST needs a Content-Length header.', 'LENGTH_REQUIRED', requestId));
      }
      if (Number(length) > maxBodyBytes) {
        countRefusal('body_size');
        countError('REQUEST_TOO_LARGE');
        res.setHeader('connection', 'close');
        return sendJson(res, 413, bodyError(`The request body is ${length} bytes, over the limit of ${maxBodyBytes}.`, 'REQUEST_TOO_LARGE', requestId));
      }
    }
    // No AsyncLocalStorage scope around this: on Node 20 one turns on promise hooks for every
    // promise of the process (about 0.1 ms a request here). Errors Yoga masks have their log
    // taken by the request's result processing instead (see maskErrorDeferringLog).
    void app(req, res);
  });
  refused = boundConnections(server, limits, logger);
  server.on('clientError', onClientError(logger));
  // No bytes either way for longer than any request may take: a stalled reader or writer.
  server.setTimeout(limits.requestTimeoutMs + limits.queryTimeoutMs + 5_000);
  return server;
}
