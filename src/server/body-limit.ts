import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const CONTENT_LENGTH = /^\d+$/;

const refused = (status: 400 | 413, code: 'BAD_REQUEST' | 'REQUEST_TOO_LARGE', message: string) =>
  new GraphQLError(message, { extensions: { code, http: { status } } });

const tooLarge = (maxBytes: number) => refused(413, 'REQUEST_TOO_LARGE', `The request body is over the limit of ${maxBytes} bytes.`);

/** True when Yoga is served by node:http, whose parser delivers exactly Content-Length bytes. */
const servedByNodeHttp = (serverContext: unknown): boolean => typeof (serverContext as { req?: IncomingMessage } | undefined)?.req?.on === 'function';

/** The body read into memory, refused as soon as it passes maxBytes. */
async function boundedBody(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body!.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    total += chunk.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(chunk.value);
  }
  const body = new Uint8Array(new ArrayBuffer(total));
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/**
 * The request body bound, in place of Yoga's (`maxRequestBodySize: false`), which pipes every
 * body through a counting stream: a stream pipeline per request, and an AbortError with a stack
 * built when it finishes, about a tenth of the CPU of a cached answer. A Content-Length over
 * the bound is refused at once. Under node:http with a Content-Length (createHttpServer insists
 * on one for a POST and refuses it over the limit first), Node's parser delivers exactly that
 * many bytes and refuses a request that also says Transfer-Encoding, so the body is read as it
 * is. Any other body (app.fetch, a chunked body) is counted as it is read and refused with 413
 * once over the bound.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, serverContext, requestParser, setRequestParser, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!CONTENT_LENGTH.test(length)) throw refused(400, 'BAD_REQUEST', 'The Content-Length header is not a number of bytes.');
        if (Number(length) > maxBytes) throw tooLarge(maxBytes);
        if (servedByNodeHttp(serverContext)) return;
      }
      if (!requestParser || request.body === null) return;
      const parse = requestParser;
      setRequestParser(async (req) => {
        if (req.body === null) return parse(req);
        const body = await boundedBody(req, maxBytes);
        return parse(new fetchAPI.Request(req.url, { method: req.method, headers: req.headers, signal: req.signal, body }));
      });
    },
  };
}
