import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, runNode, SERVER_ENTRY, startServer, type RunningServer } from './support/processes.js';

describe('the server process on the demo snapshot', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });

  it('serves GraphiQL with a working example query', async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain('query ExamplePipeline');
    // The example query itself must run cleanly: take it from the page and execute it.
    const match = /query ExamplePipeline \{[\s\S]*?\n\}\n/.exec(JSON.parse(`"${/defaultQuery":"((?:[^"\\]|\\.)*)"/.exec(html)?.[1] ?? ''}"`));
    expect(match).not.toBeNull();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: match![0] }),
    });
    const result = (await response.json()) as any;
    expect(result.errors).toBeUndefined();
    expect(result.data.pipeline.stages).toHaveLength(3);
  });

  it('echoes the request id and logs one JSON line per request carrying it', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'test-req-42' },
      body: JSON.stringify({ query: '{ pipeline(approach: CM, name: "missing") { name } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('test-req-42');
    const body = (await response.json()) as any;
    expect(body.errors[0].extensions).toMatchObject({ code: 'PIPELINE_NOT_FOUND', requestId: 'test-req-42' });
    const line = await eventually(() => server.logs().find((l) => l.requestId === 'test-req-42' && l.msg === 'request'));
    expect(line).toMatchObject({ level: 'info', method: 'POST', path: '/graphql', status: 200, service: 'flux-pipelines-api' });
    expect(typeof line!.durationMs).toBe('number');
  });

  it.each([
    ['a validation error', { 'content-type': 'application/json' }, JSON.stringify({ query: '{ pipelines { nme } }' }), 'GRAPHQL_VALIDATION_FAILED'],
    [
      'a query over the alias limit',
      { 'content-type': 'application/json' },
      JSON.stringify({ query: `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: __typename`).join(' ')} }` }),
      'TOO_MANY_ALIASES',
    ],
    ['a batched request', { 'content-type': 'application/json' }, JSON.stringify([{ query: '{ __typename }' }]), 'BAD_REQUEST'],
    ['a cross-site-able POST', { 'content-type': 'text/plain' }, JSON.stringify({ query: '{ __typename }' }), 'CSRF_PREVENTED'],
  ])('puts the request id on errors raised before execution too: %s', async (_what, headers, body, code) => {
    const requestId = `pre-exec-${code.toLowerCase()}`;
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { ...headers, 'x-request-id': requestId }, body });
    const result = (await response.json()) as any;
    expect(result.errors[0].extensions).toMatchObject({ code, requestId });
  });

  it('replaces a request id that is not a sane token', async () => {
    const response = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('server lifecycle', () => {
  it('takes its port from PORT, and --port over PORT', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const fromEnv = await startServer([], { PORT: String(a) });
    expect(fromEnv.url).toBe(`http://127.0.0.1:${a}`);
    expect((await fetch(`${fromEnv.url}/healthz`)).status).toBe(200);
    await fromEnv.stop();
    const fromFlag = await startServer(['--port', String(b)], { PORT: String(a) });
    expect(fromFlag.url).toBe(`http://127.0.0.1:${b}`);
    await fromFlag.stop();
  });

  it('drains and exits 0 on SIGTERM, closing idle keep-alive connections', async () => {
    const server = await startServer();
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) =>
      http.get(`${server.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject),
    );
    const finished = await server.stop();
    agent.destroy();
    expect(finished.code).toBe(0);
    const messages = server.logs().map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutting down: finishing in-flight requests', 'stopped']));
    // The idle keep-alive connection was closed at once, not held until the grace period forced it.
    expect(messages).not.toContain('grace period over: closing remaining connections');
  });

  it('refuses a snapshot that is not valid YAML: names file and line, exits non-zero', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bad-snapshot-'));
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: [oops\n');
    const finished = await runNode([SERVER_ENTRY, '--source', file]);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toMatch(/broken\.yaml:\d+: invalid YAML: /);
    expect(finished.stdout).not.toContain('serving GraphQL');
  });

  it('refuses a snapshot document without a kind, and a path that does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bad-snapshot-'));
    await writeFile(join(dir, 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: y}\n');
    await writeFile(join(dir, 'nokind.yaml'), 'apiVersion: v1\nmetadata: {name: x}\n');
    const finished = await runNode([SERVER_ENTRY, '--source', dir]);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toMatch(/nokind\.yaml:1: document 1 has no kind/);
    const missing = await runNode([SERVER_ENTRY, '--source', join(dir, 'absent')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('absent: no such file or directory');
  });

  it('rejects unknown flags and bad values with a clear message', async () => {
    const unknown = await runNode([SERVER_ENTRY, '--prot', '80']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Unknown option '--prot'");
    const badPort = await runNode([SERVER_ENTRY], { PORT: 'eighty' });
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toContain('port must be an integer from 0 to 65535, got "eighty"');
  });
});
