// README promises about the server process and the CLI that only a running process shows:
// --host, --log-level / LOG_LEVEL, probe requests logged at debug, FLUX_PIPELINES_SOURCE,
// in-flight requests finished on SIGTERM, and the CLI's --namespace.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLI_ENTRY, eventually, freePort, ROOT, runNode, SERVER_ENTRY, startServer } from '../support/processes.js';

const VARIED = 'test/fixtures/varied';

/** GET over a fresh connection; resolves with the status, or the connection error's code. */
function get(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      })
      .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** Starts the built server with exactly these flags and environment; stdout lines parsed as JSON. */
function spawnServer(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [SERVER_ENTRY, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit');
  return {
    logs: () => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>),
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const [code] = await exited;
      return code as number | null;
    },
  };
}

/** Polls a URL until it answers 200 (the ceiling is generous: the machine may be busy). */
async function waitUntilServing(base: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await get(`${base}/healthz`)) !== 200) {
    if (Date.now() > deadline) throw new Error(`${base} never answered /healthz`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('--host', () => {
  it('listens on the address it is given, and only there', async () => {
    const port = await freePort();
    const server = spawnServer(['--port', String(port), '--host', '127.0.0.2']);
    try {
      await waitUntilServing(`http://127.0.0.2:${port}`);
      expect(await get(`http://127.0.0.1:${port}/healthz`)).toBe('ECONNREFUSED');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('takes HOST from the environment when no flag is given', async () => {
    const port = await freePort();
    const server = spawnServer(['--port', String(port)], { HOST: '127.0.0.3' });
    try {
      await waitUntilServing(`http://127.0.0.3:${port}`);
      expect(await get(`http://127.0.0.1:${port}/healthz`)).toBe('ECONNREFUSED');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('log levels', () => {
  const graphql = (base: string) =>
    fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });

  it('logs requests at info and probes only at debug (default level info: no probe lines)', async () => {
    const server = await startServer();
    await get(`${server.url}/healthz`);
    await get(`${server.url}/readyz`);
    await graphql(server.url);
    await eventually(() => server.logs().find((l) => l.msg === 'request' && l.path === '/graphql'));
    expect(await server.stop()).toMatchObject({ code: 0 });
    const requests = server.logs().filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.level, l.path])).toEqual([['info', '/graphql']]);
  });

  it.each([
    ['--log-level debug', ['--log-level', 'debug'], {}],
    ['LOG_LEVEL=debug', [], { LOG_LEVEL: 'debug' }],
  ])('with %s, probe requests are logged, at debug', async (_how, args, env) => {
    const server = await startServer(args, env);
    await get(`${server.url}/healthz`);
    await get(`${server.url}/readyz`);
    await graphql(server.url);
    await eventually(() => server.logs().find((l) => l.msg === 'request' && l.path === '/graphql'));
    expect(await server.stop()).toMatchObject({ code: 0 });
    const requests = server.logs().filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.level, l.path, l.status])).toEqual([
      ['debug', '/healthz', 200],
      ['debug', '/readyz', 200],
      ['info', '/graphql', 200],
    ]);
  });

  it.each([
    ['--log-level warn', ['--log-level', 'warn'], {}],
    ['LOG_LEVEL=warn', [], { LOG_LEVEL: 'warn' }],
    ['--log-level warn over LOG_LEVEL=debug', ['--log-level', 'warn'], { LOG_LEVEL: 'debug' }],
  ])('with %s, nothing below warn is logged', async (_how, args, env) => {
    const port = await freePort();
    const server = spawnServer(['--port', String(port), '--host', '127.0.0.1', ...args], env);
    const base = `http://127.0.0.1:${port}`;
    await waitUntilServing(base);
    expect((await graphql(base)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    // The process has exited: everything it logged is in.
    expect(server.logs()).toEqual([]);
    expect(server.stderr()).toBe('');
  });
});

describe('FLUX_PIPELINES_SOURCE', () => {
  it('chooses the snapshot the server serves when no --source is given, and --source wins over it', async () => {
    const fromEnv = await startServer([], { FLUX_PIPELINES_SOURCE: VARIED });
    try {
      expect(fromEnv.logs().find((l) => l.msg?.startsWith('serving GraphQL'))).toMatchObject({ source: `snapshot ${VARIED}` });
      const response = await fetch(`${fromEnv.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ pipelines(approach: CRD) { name } }' }),
      });
      expect(await response.json()).toEqual({ data: { pipelines: [{ name: 'varied-crd' }] } });
    } finally {
      await fromEnv.stop();
    }
    const flagWins = await startServer(['--source', 'demo'], { FLUX_PIPELINES_SOURCE: VARIED });
    try {
      expect(flagWins.logs().find((l) => l.msg?.startsWith('serving GraphQL'))).toMatchObject({ source: 'the built-in demo snapshot' });
    } finally {
      await flagWins.stop();
    }
  });

  it('is what the CLI reads too', async () => {
    const finished = await runNode([CLI_ENTRY, 'get', 'crd', '-o', 'json'], { FLUX_PIPELINES_SOURCE: VARIED });
    expect(finished.stderr).toBe('');
    expect(finished.code).toBe(0);
    expect(JSON.parse(finished.stdout).data.pipelines.map((p: any) => p.name)).toEqual(['varied-crd']);
  });
});

describe('SIGTERM', () => {
  it('finishes a request in flight, then exits 0', async () => {
    const server = await startServer(['--source', VARIED]);
    const body = JSON.stringify({ query: '{ pipeline(approach: CRD, name: "varied-crd") { name stages { name } } }' });
    const request = http.request(`${server.url}/graphql`, {
      method: 'POST',
      agent: false,
      // 100-continue: the server answers once it has read the headers, so the request is
      // known to be in flight (its body still to come) before the signal is sent.
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), expect: '100-continue' },
    });
    const answered = new Promise<{ status: number; json: any }>((resolve, reject) => {
      request.on('response', (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
      });
      request.on('error', reject);
    });
    request.flushHeaders();
    await once(request, 'continue');

    const stopped = server.stop();
    await eventually(() => server.logs().find((l) => l.msg === 'shutting down: finishing in-flight requests'));
    // While draining, no new connection is accepted ...
    expect(await get(`${server.url}/healthz`)).toBe('ECONNREFUSED');
    // ... and the one in flight is finished.
    request.end(body);
    const { status, json } = await answered;
    expect(status).toBe(200);
    expect(json).toEqual({ data: { pipeline: { name: 'varied-crd', stages: [{ name: 'dev' }, { name: 'prod' }] } } });
    expect((await stopped).code).toBe(0);
    const logs = server.logs();
    expect(logs.filter((l) => l.msg === 'request')).toEqual([expect.objectContaining({ method: 'POST', path: '/graphql', status: 200 })]);
    expect(logs.map((l) => l.msg)).toContain('stopped');
    expect(logs.map((l) => l.msg)).not.toContain('grace period over: closing remaining connections');
  });
});

describe('the CLI\'s --namespace', () => {
  const cli = (...args: string[]) => runNode([CLI_ENTRY, 'get', 'hybrid', '--source', VARIED, '-o', 'json', ...args]);
  const names = (stdout: string) => {
    const data = JSON.parse(stdout).data;
    return (data.pipelines ?? [data.pipeline]).map((p: any) => `${p.namespace}/${p.name}`);
  };

  it('lists flux-system without it, every namespace with -A, and only that namespace with it', async () => {
    const fluxSystem = await cli();
    expect(fluxSystem.code).toBe(0);
    expect(names(fluxSystem.stdout)).toEqual(['flux-system/varied']);
    const all = await cli('--all-namespaces');
    expect(all.code).toBe(0);
    expect(names(all.stdout)).toEqual(['flux-system/varied', 'team-a/team-pipeline']);
    const team = await cli('--namespace', 'team-a');
    expect(team.code).toBe(0);
    expect(names(team.stdout)).toEqual(['team-a/team-pipeline']);
  });

  it('looks a named pipeline up in that namespace, flux-system without it', async () => {
    const found = await cli('--name', 'team-pipeline', '--namespace', 'team-a');
    expect(found.stderr).toBe('');
    expect(found.code).toBe(0);
    expect(names(found.stdout)).toEqual(['team-a/team-pipeline']);
    const notThere = await runNode([CLI_ENTRY, 'get', 'hybrid', '--source', VARIED, '--name', 'team-pipeline']);
    expect(notThere.code).toBe(1);
    expect(notThere.stderr).toContain('No HYBRID pipeline named "team-pipeline" in namespace "flux-system". (at pipeline) [PIPELINE_NOT_FOUND]');
  });
});
