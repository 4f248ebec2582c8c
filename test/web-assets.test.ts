import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMMUTABLE, PAGE_CSP, webPageHandler } from '../src/server/web-assets.js';

const INDEX = '<!doctype html><title>page</title><script type="module" src="/assets/index-abc123.js"></script>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const handle = webPageHandler(dir);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (handle(req, res, path)) return;
    // What the GraphQL app would get.
    res.writeHead(418);
    res.end('not the page');
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the built page', () => {
  let dir: string;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'web-assets-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
    writeFileSync(join(dir, 'assets', 'notes.txt'), 'not a served type');
    ({ server, url } = await serve(dir));
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and at every pipeline address, with the CSP and no caching', async () => {
    for (const path of ['/', '/pipelines/hybrid/flux-system/example-pipeline', '/pipelines/cm/team-a/p?x=1']) {
      const res = await fetch(url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(PAGE_CSP);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('has a policy that admits no inline script and no other origin', () => {
    const directives = Object.fromEntries(PAGE_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(PAGE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it('serves hashed assets as immutable for a year, gzipped when the client accepts it', async () => {
    const plain = await fetch(`${url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(SCRIPT);

    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get(`${url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject),
      );
    });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(raw.headers['vary']).toBe('accept-encoding');
    expect(raw.body.length).toBeLessThan(SCRIPT.length);
    expect(gunzipSync(raw.body).toString()).toBe(SCRIPT);
  });

  it('answers 404 for an asset it does not hold, and never reads a path from the request', async () => {
    for (const path of ['/assets/missing.js', '/assets/notes.txt', '/assets/..%2Findex.html']) {
      const res = await fetch(url + path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('refuses methods other than GET and HEAD, and leaves every other path to the GraphQL app', async () => {
    const post = await fetch(url + '/', { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(url + '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    for (const path of ['/graphql', '/index.html', '/metrics', '/pipelinesx']) {
      expect((await fetch(url + path)).status, path).toBe(418);
    }
  });
});

describe('without a built page', () => {
  it('sends / to GraphiQL and leaves everything else alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-assets-empty-'));
    const { server, url } = await serve(dir);
    try {
      const root = await fetch(url + '/', { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/graphql');
      expect((await fetch(url + '/assets/index-abc123.js')).status).toBe(418);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
