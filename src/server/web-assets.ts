import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The pipeline page's policy: scripts, styles and requests only from this origin, nothing
 * inline, no frames, no plugins. `img-src data:` is for the empty favicon, which keeps browsers
 * from asking for /favicon.ico.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** File names with a content hash never change content: browsers may keep them for a year. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

interface Asset {
  body: Buffer;
  gzipped: Buffer | undefined;
  headers: Record<string, string>;
}

export type WebPageHandler = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

function asset(body: Buffer, headers: Record<string, string>, compressible: boolean): Asset {
  const gzipped = compressible ? gzipSync(body, { level: 9 }) : undefined;
  return { body, gzipped: gzipped && gzipped.length < body.length ? gzipped : undefined, headers };
}

/** The page's routes: the list at `/`, one pipeline at `/pipelines/<approach>/<namespace>/<name>`. */
function isPageRoute(path: string): boolean {
  return path === '/' || path === '/pipelines' || path.startsWith('/pipelines/');
}

/**
 * Serves the built page from `dir` (the Vite output): index.html for the page's routes, the
 * hashed files under /assets/. Everything is read into memory once, so a request never turns
 * into a file-system path and the set of servable files is fixed at start. Returns false for
 * anything that is not the page's, leaving it to the GraphQL app.
 */
export function webPageHandler(dir: string): WebPageHandler {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) {
    // Only `tsc` ran (no `npm run build`): GraphiQL is the next best thing at `/`.
    return (req, res, path) => {
      if (path !== '/') return false;
      res.writeHead(302, { location: '/graphql' });
      res.end();
      return true;
    };
  }
  const index = asset(
    readFileSync(indexFile),
    {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      // The HTML names the current hashed files: always revalidate it.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    true,
  );
  const assets = new Map<string, Asset>();
  const assetsDir = join(dir, 'assets');
  for (const name of existsSync(assetsDir) ? readdirSync(assetsDir) : []) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type) continue;
    assets.set(`/assets/${name}`, asset(readFileSync(join(assetsDir, name)), { 'content-type': type, 'cache-control': IMMUTABLE, 'x-content-type-options': 'nosniff' }, !type.startsWith('image/png') && !type.startsWith('font/')));
  }

  return (req, res, path) => {
    const found = isPageRoute(path) ? index : path.startsWith('/assets/') ? assets.get(path) : undefined;
    if (!found && !path.startsWith('/assets/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed.\n');
      return true;
    }
    if (!found) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
      res.end('No such asset: the page may have been rebuilt; reload it.\n');
      return true;
    }
    const gzip = found.gzipped && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? found.gzipped! : found.body;
    res.writeHead(200, {
      ...found.headers,
      ...(found.gzipped ? { vary: 'accept-encoding' } : {}),
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      'content-length': String(body.length),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

/** dist/web of this package: found by walking up from this module to package.json. */
function builtPageDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'web');
}

let defaultHandler: WebPageHandler | undefined;

/** The hook http-server.ts calls first: serves the built page, or returns false. */
export const serveWebPage: WebPageHandler = (req, res, path) => (defaultHandler ??= webPageHandler(builtPageDir()))(req, res, path);
