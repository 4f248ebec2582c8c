// --auth proxy over a real loopback socket (the peer address is what it trusts), and
// how --auth is configured and refused at start-up.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createSource } from '../src/cluster/create-source.js';
import { ConfigError, parseServerConfig, trustedNetworks, type AuthConfig, type ServerConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { accessFromConfig, appAccess } from '../src/server/auth-setup.js';
import { createApp } from '../src/server/create-app.js';
import { createHttpServer } from '../src/server/http-server.js';
import { FakeAccessReviewer } from './support/fake-access-reviewer.js';
import { clientAt } from './support/graphql-client.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** The app with --auth proxy behind a real HTTP server on 127.0.0.1. */
async function proxyServer(trusted: string, headers: { user?: string; groups?: string } = {}): Promise<{ url: string; reviewer: FakeAccessReviewer }> {
  const reviewer = new FakeAccessReviewer().grant({ group: 'team-a' }, ['configmaps', 'pipelines'], ['flux-system']);
  const auth: AuthConfig = {
    mode: 'proxy',
    cacheTtlMs: 10_000,
    trusted: trustedNetworks(trusted),
    userHeader: headers.user ?? 'X-Forwarded-User',
    groupsHeader: headers.groups ?? 'X-Forwarded-Groups',
  };
  const logger = createLogger('silent');
  const source = await createSource({ type: 'demo' });
  const server = createHttpServer({ app: createApp({ source, logger, access: appAccess(auth, reviewer) }), source, logger, isDraining: () => false, maxBodyBytes: 65536 });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reviewer };
}

const CM_QUERY = '{ pipelines(approach: CM) { name } }';

describe('--auth proxy', () => {
  it('believes user and groups headers from a trusted proxy address', async () => {
    const { url, reviewer } = await proxyServer('10.0.0.0/8, 127.0.0.1');
    const client = clientAt(url);
    const answer = await client.query(CM_QUERY, undefined, { 'x-forwarded-user': 'alice@example.com', 'x-forwarded-groups': 'team-a, viewers' });
    expect(answer).toEqual({ status: 200, data: { pipelines: [{ name: 'example-pipeline' }] } });
    expect(reviewer.listQuestions[0]!.identity).toEqual({ user: 'alice@example.com', groups: ['system:authenticated', 'team-a', 'viewers'] });
    // Without the group, the same user reads nothing.
    const alone = await client.query(CM_QUERY, undefined, { 'x-forwarded-user': 'alice@example.com' });
    expect(alone).toEqual({ status: 200, data: { pipelines: [] } });
  });

  it('refuses the same headers from an address that is not a trusted proxy', async () => {
    const { url, reviewer } = await proxyServer('10.0.0.0/8,192.168.7.1');
    const answer = await clientAt(url).query(CM_QUERY, undefined, { 'x-forwarded-user': 'alice@example.com', 'x-forwarded-groups': 'team-a' });
    expect(answer.status).toBe(401);
    expect(answer.data).toBeUndefined();
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(reviewer.listQuestions).toEqual([]);
  });

  it('refuses a trusted proxy request that names no user, and reads configured header names', async () => {
    const { url } = await proxyServer('127.0.0.0/8', { user: 'X-Auth-Request-User', groups: 'X-Auth-Request-Groups' });
    const client = clientAt(url);
    expect((await client.query(CM_QUERY, undefined, { 'x-forwarded-user': 'alice', 'x-forwarded-groups': 'team-a' })).status).toBe(401);
    const answer = await client.query(CM_QUERY, undefined, { 'x-auth-request-user': 'alice', 'x-auth-request-groups': 'team-a' });
    expect(answer).toEqual({ status: 200, data: { pipelines: [{ name: 'example-pipeline' }] } });
  });
});

describe('--auth configuration', () => {
  const auth = (argv: string[], env: Record<string, string> = {}) => (parseServerConfig(argv, env) as ServerConfig).auth;
  const refusal = (argv: string[], env: Record<string, string> = {}) => {
    try {
      parseServerConfig(argv, env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('defaults to none, and reads the mode and its options from flags or the environment', () => {
    expect(auth([])).toEqual({ mode: 'none' });
    expect(auth(['--source', 'kube', '--auth', 'token'])).toEqual({ mode: 'token', cacheTtlMs: 10_000 });
    expect(auth([], { FLUX_PIPELINES_SOURCE: 'kube', FLUX_PIPELINES_AUTH: 'token', FLUX_PIPELINES_AUTH_CACHE_MS: '2000' })).toEqual({ mode: 'token', cacheTtlMs: 2000 });
    expect(auth(['--source', 'kube', '--auth', 'proxy', '--auth-proxy-trusted', '10.0.0.0/8,fd00::/8,192.168.1.7'])).toEqual({
      mode: 'proxy',
      cacheTtlMs: 10_000,
      userHeader: 'X-Forwarded-User',
      groupsHeader: 'X-Forwarded-Groups',
      trusted: [
        { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
        { address: 'fd00::', prefix: 8, family: 'ipv6' },
        { address: '192.168.1.7', prefix: 32, family: 'ipv4' },
      ],
    });
  });

  it('refuses token and proxy without --source kube, and bad values, naming the option', () => {
    expect(refusal(['--auth', 'token'])).toMatch(/--auth token needs --source kube/);
    expect(refusal(['--auth', 'proxy', '--source', 'demo/snapshot'])).toMatch(/--auth proxy needs --source kube .*demo\/snapshot/);
    expect(refusal(['--auth', 'oidc'])).toMatch(/auth must be none, token or proxy, got "oidc"/);
    expect(refusal(['--source', 'kube', '--auth', 'proxy'])).toMatch(/needs --auth-proxy-trusted/);
    expect(refusal(['--source', 'kube', '--auth', 'proxy', '--auth-proxy-trusted', '10.0.0.0/33'])).toMatch(/"10.0.0.0\/33" is not an IP address or CIDR/);
    expect(refusal(['--source', 'kube', '--auth', 'proxy', '--auth-proxy-trusted', 'proxy.local'])).toMatch(/"proxy.local" is not/);
    expect(refusal(['--source', 'kube', '--auth', 'proxy', '--auth-proxy-trusted', '10.0.0.1', '--auth-proxy-user-header', 'bad header'])).toMatch(/auth-proxy-user-header must be an HTTP header name/);
    expect(refusal(['--source', 'kube', '--auth', 'token', '--auth-cache-ms', '0'])).toMatch(/auth-cache-ms must be a positive integer/);
  });

  it('warns at start-up for --auth none with --source kube on a non-loopback address, and only then', async () => {
    const warnings = async (host: string, source: ServerConfig['source']) => {
      const lines: string[] = [];
      const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
      expect(await accessFromConfig({ auth: { mode: 'none' }, source, host }, logger)).toBeUndefined();
      return lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn').map((l) => l.msg as string);
    };
    const kube = { type: 'kube', context: null, kubeconfig: null, inCluster: false, defaultKubeconfig: undefined } as const;
    expect(await warnings('0.0.0.0', kube)).toEqual([expect.stringContaining('anyone who can reach this port reads everything the service account can')]);
    expect(await warnings('10.1.2.3', kube)).toHaveLength(1);
    expect(await warnings('127.0.0.1', kube)).toEqual([]);
    expect(await warnings('::1', kube)).toEqual([]);
    expect(await warnings('0.0.0.0', { type: 'demo' })).toEqual([]);
  });
});
