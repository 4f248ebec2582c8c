// The rest of the configuration table (src/config.ts, README "Configuration"): every limit
// flag with its variable and default, the cross-checks between limits, --metrics-port,
// --max-subscriptions, --stale-grace-ms, the proxy's trusted networks and header names, and
// the exact refusal for each bad value (a ConfigError naming the option and the value).
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_LIMITS, isLoopbackHost, parseServerConfig, sourceConfig, trustedNetworks, type ServerConfig } from '../src/config.js';

const parse = (argv: string[], env: Record<string, string> = {}) => parseServerConfig(argv, env) as ServerConfig;

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}
const refused = (argv: string[], env: Record<string, string> = {}) => refusal(() => parseServerConfig(argv, env));

describe('every limit flag and its variable', () => {
  it.each([
    ['max-tokens', 'FLUX_PIPELINES_MAX_TOKENS', 'maxTokens'],
    ['max-fields', 'FLUX_PIPELINES_MAX_FIELDS', 'maxFields'],
    ['max-fragments', 'FLUX_PIPELINES_MAX_FRAGMENTS', 'maxFragments'],
    ['document-cache-bytes', 'FLUX_PIPELINES_DOCUMENT_CACHE_BYTES', 'documentCacheBytes'],
    ['headers-timeout-ms', 'FLUX_PIPELINES_HEADERS_TIMEOUT_MS', 'headersTimeoutMs'],
    ['request-timeout-ms', 'FLUX_PIPELINES_REQUEST_TIMEOUT_MS', 'requestTimeoutMs'],
    ['keep-alive-timeout-ms', 'FLUX_PIPELINES_KEEP_ALIVE_TIMEOUT_MS', 'keepAliveTimeoutMs'],
    ['max-connections', 'FLUX_PIPELINES_MAX_CONNECTIONS', 'maxConnections'],
    ['max-depth', 'FLUX_PIPELINES_MAX_DEPTH', 'maxDepth'],
    ['max-complexity', 'FLUX_PIPELINES_MAX_COMPLEXITY', 'maxComplexity'],
    ['max-aliases', 'FLUX_PIPELINES_MAX_ALIASES', 'maxAliases'],
    ['max-body-bytes', 'FLUX_PIPELINES_MAX_BODY_BYTES', 'maxBodyBytes'],
    ['query-timeout-ms', 'FLUX_PIPELINES_QUERY_TIMEOUT_MS', 'queryTimeoutMs'],
  ] as const)('--%s and %s set %s and nothing else, the flag winning', (flag, variable, key) => {
    // 3 keeps the headers deadline within the request deadline whichever of the two is set.
    const value = key === 'requestTimeoutMs' ? '20000' : '3';
    expect(parse([], { [variable]: value }).limits).toEqual({ ...DEFAULT_LIMITS, [key]: Number(value) });
    expect(parse([`--${flag}`, value], { [variable]: '77' }).limits).toEqual({ ...DEFAULT_LIMITS, [key]: Number(value) });
    expect(parse([`--${flag}`, ' '], { [variable]: ` ${value} ` }).limits[key]).toBe(Number(value));
    expect(refused([`--${flag}`, '0'])).toBe(`${flag} must be a positive integer, got "0"`);
    expect(refused([], { [variable]: '2x' })).toBe(`${flag} must be a positive integer, got "2x"`);
    // Number() reads these as 10 and 16: only plain digits are a number here.
    expect(refused([`--${flag}`, '1e1'])).toBe(`${flag} must be a positive integer, got "1e1"`);
    expect(refused([`--${flag}`, '0x10'])).toBe(`${flag} must be a positive integer, got "0x10"`);
  });

  it('turns introspection off and on from the flag or FLUX_PIPELINES_INTROSPECTION, the flag winning', () => {
    expect(parse(['--introspection', 'false']).limits).toEqual({ ...DEFAULT_LIMITS, introspection: false });
    expect(parse([], { FLUX_PIPELINES_INTROSPECTION: 'false' }).limits.introspection).toBe(false);
    expect(parse(['--introspection', 'true'], { FLUX_PIPELINES_INTROSPECTION: 'false' }).limits.introspection).toBe(true);
    expect(refused(['--introspection', 'TRUE'])).toBe('introspection must be true or false, got "TRUE"');
  });

  it('refuses a max-depth over 100 (the parser recurses once per level), accepting 100', () => {
    expect(parse(['--max-depth', '100']).limits.maxDepth).toBe(100);
    expect(refused(['--max-depth', '101'])).toBe('max-depth must be at most 100, got "101"');
  });

  it('refuses a headers deadline over the whole-request deadline, accepting them equal', () => {
    expect(parse(['--headers-timeout-ms', '7000', '--request-timeout-ms', '7000']).limits).toMatchObject({ headersTimeoutMs: 7000, requestTimeoutMs: 7000 });
    expect(refused(['--headers-timeout-ms', '7001', '--request-timeout-ms', '7000'])).toBe('headers-timeout-ms (7001) must not be over request-timeout-ms (7000)');
    expect(refused(['--request-timeout-ms', '4999'])).toBe('headers-timeout-ms (5000) must not be over request-timeout-ms (4999)');
  });
});

describe('the other numeric options', () => {
  it('--metrics-port (FLUX_PIPELINES_METRICS_PORT): none by default, 0 to 65535, the flag winning', () => {
    expect(parse([]).metricsPort).toBeNull();
    expect(parse(['--metrics-port', '9100'], { FLUX_PIPELINES_METRICS_PORT: '9200' }).metricsPort).toBe(9100);
    expect(parse([], { FLUX_PIPELINES_METRICS_PORT: ' 9200 ' }).metricsPort).toBe(9200);
    expect(parse(['--metrics-port', '0']).metricsPort).toBe(0);
    expect(parse(['--metrics-port', '65535']).metricsPort).toBe(65535);
    expect(refused(['--metrics-port', '65536'])).toBe('metrics-port must be an integer from 0 to 65535, got "65536"');
    expect(refused(['--metrics-port', '9e3'])).toBe('metrics-port must be an integer from 0 to 65535, got "9e3"');
    expect(refused(['--metrics-port', ' 80x'])).toBe('metrics-port must be an integer from 0 to 65535, got "80x"');
  });

  it('--port refuses text around the digits', () => {
    expect(refused(['--port', '80x'])).toBe('port must be an integer from 0 to 65535, got "80x"');
    expect(refused(['--port', 'x80'])).toBe('port must be an integer from 0 to 65535, got "x80"');
    expect(parse([], { PORT: ' 8081 ' }).port).toBe(8081);
  });

  it('--max-subscriptions (FLUX_PIPELINES_MAX_SUBSCRIPTIONS): 100 by default, the flag winning', () => {
    expect(parse([]).maxSubscriptions).toBe(100);
    expect(parse(['--max-subscriptions', '5'], { FLUX_PIPELINES_MAX_SUBSCRIPTIONS: '6' }).maxSubscriptions).toBe(5);
    expect(parse([], { FLUX_PIPELINES_MAX_SUBSCRIPTIONS: '6' }).maxSubscriptions).toBe(6);
    expect(refused(['--max-subscriptions', '0'])).toBe('max-subscriptions must be a positive integer, got "0"');
  });

  it('--stale-grace-ms (FLUX_PIPELINES_STALE_GRACE_MS) for --source kube: 30000 by default, the flag winning', () => {
    expect(sourceConfig({ source: 'kube' }, {})).toMatchObject({ staleGraceMs: 30_000 });
    expect(sourceConfig({ source: 'kube', 'stale-grace-ms': '500' }, { FLUX_PIPELINES_STALE_GRACE_MS: '600' })).toMatchObject({ staleGraceMs: 500 });
    expect(sourceConfig({ source: 'kube' }, { FLUX_PIPELINES_STALE_GRACE_MS: '600' })).toMatchObject({ staleGraceMs: 600 });
    expect(parse(['--source', 'kube', '--stale-grace-ms', '700']).source).toMatchObject({ type: 'kube', staleGraceMs: 700 });
    expect(refusal(() => sourceConfig({ source: 'kube', 'stale-grace-ms': '1.5' }, {}))).toBe('stale-grace-ms must be a positive integer, got "1.5"');
  });
});

describe('the kube source', () => {
  it('has no default kubeconfig without HOME, and answers exactly its fields', () => {
    expect(sourceConfig({ source: 'kube' }, {})).toEqual({ type: 'kube', context: null, kubeconfig: null, inCluster: false, defaultKubeconfig: undefined, staleGraceMs: 30_000 });
    expect(sourceConfig({ source: 'kube' }, { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: '/root' })).toEqual({
      type: 'kube',
      context: null,
      kubeconfig: null,
      inCluster: true,
      defaultKubeconfig: '/root/.kube/config',
      staleGraceMs: 30_000,
    });
  });

  it('a snapshot path answers only its path', () => {
    expect(sourceConfig({ source: 'snap.yaml', kubeconfig: '/k' }, { HOME: '/root' })).toEqual({ type: 'snapshot', path: 'snap.yaml' });
  });
});

describe('parsing the command line', () => {
  it('turns node:util parse errors into ConfigErrors with their message', () => {
    expect(refused(['--port'])).toBe("Option '--port <value>' argument missing");
    expect(refused(['--help=yes'])).toMatch(/^Option '-h, --help' does not take an argument/);
  });

  it('refuses a log level from LOG_LEVEL too', () => {
    expect(refused([], { LOG_LEVEL: 'loud' })).toBe('log level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"');
  });
});

describe('loopback hosts', () => {
  it.each([
    ['localhost', true],
    ['::1', true],
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['127.example.com', false],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['::', false],
    ['::ffff:127.0.0.1', false],
    ['128.0.0.1', false],
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('--auth-proxy-trusted networks', () => {
  it('reads addresses and CIDRs of both families, skipping blanks, a bare address being its own network', () => {
    expect(trustedNetworks(' 10.0.0.0/8 , ,::1,fd00::/8,192.168.1.7/0,2001:db8::/128,')).toEqual([
      { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
      { address: '::1', prefix: 128, family: 'ipv6' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
      { address: '192.168.1.7', prefix: 0, family: 'ipv4' },
      { address: '2001:db8::', prefix: 128, family: 'ipv6' },
    ]);
    expect(trustedNetworks('10.0.0.1/32')).toEqual([{ address: '10.0.0.1', prefix: 32, family: 'ipv4' }]);
  });

  it('refuses an empty list', () => {
    expect(refusal(() => trustedNetworks(' , '))).toBe('auth-proxy-trusted must list at least one IP address or CIDR');
  });

  it.each(['10.0.0.0/8/1', '10.0.0.0/', '10.0.0.0/0008', '10.0.0.0/x', '10.0.0.0/33', '::1/129', '10.0.0.0/-1', 'proxy.local', '/8'])('refuses %s, naming it', (entry) => {
    expect(refusal(() => trustedNetworks(`10.1.1.1,${entry}`))).toBe(`auth-proxy-trusted: "${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)`);
  });
});

describe('--auth', () => {
  const kube = ['--source', 'kube'];

  it('answers none for an explicit none, whatever the source', () => {
    expect(parse(['--auth', 'none']).auth).toEqual({ mode: 'none' });
    expect(parse([], { FLUX_PIPELINES_AUTH: ' none ' }).auth).toEqual({ mode: 'none' });
  });

  it('names the option, the source and why, refusing token or proxy without kube', () => {
    expect(refused(['--auth', 'token'])).toBe('--auth token needs --source kube (source is "demo"): access is decided by the cluster\'s RBAC');
    expect(refused(['--auth', 'proxy', '--source', 'snap.yaml'])).toBe('--auth proxy needs --source kube (source is "snap.yaml"): access is decided by the cluster\'s RBAC');
    expect(refused(['--auth', 'Token'])).toBe('auth must be none, token or proxy, got "Token"');
    expect(refused([...kube, '--auth', 'proxy'])).toBe('--auth proxy needs --auth-proxy-trusted: the addresses the authenticating proxy connects from');
  });

  it('reads the proxy options from the environment, the flags winning', () => {
    const env = {
      FLUX_PIPELINES_AUTH: 'proxy',
      FLUX_PIPELINES_AUTH_CACHE_MS: '1500',
      FLUX_PIPELINES_AUTH_PROXY_TRUSTED: '10.0.0.1',
      FLUX_PIPELINES_AUTH_PROXY_USER_HEADER: 'X-Remote-User',
      FLUX_PIPELINES_AUTH_PROXY_GROUPS_HEADER: 'X-Remote-Group',
    };
    expect(parse(kube, env).auth).toEqual({
      mode: 'proxy',
      cacheTtlMs: 1500,
      trusted: [{ address: '10.0.0.1', prefix: 32, family: 'ipv4' }],
      userHeader: 'X-Remote-User',
      groupsHeader: 'X-Remote-Group',
    });
    expect(
      parse([...kube, '--auth-cache-ms', '2500', '--auth-proxy-trusted', '::1', '--auth-proxy-user-header', 'X-User', '--auth-proxy-groups-header', 'X-Groups'], env).auth,
    ).toEqual({ mode: 'proxy', cacheTtlMs: 2500, trusted: [{ address: '::1', prefix: 128, family: 'ipv6' }], userHeader: 'X-User', groupsHeader: 'X-Groups' });
  });

  it('refuses a header name that is not a token, naming the option', () => {
    const proxy = [...kube, '--auth', 'proxy', '--auth-proxy-trusted', '10.0.0.1'];
    expect(refused([...proxy, '--auth-proxy-groups-header', 'X Groups'])).toBe('auth-proxy-groups-header must be an HTTP header name, got "X Groups"');
    expect(refused([...proxy, '--auth-proxy-user-header', 'X-User:'])).toBe('auth-proxy-user-header must be an HTTP header name, got "X-User:"');
    expect(refused([...proxy, '--auth-proxy-user-header', 'ok', '--auth-proxy-groups-header', 'x(y)'])).toBe('auth-proxy-groups-header must be an HTTP header name, got "x(y)"');
    expect(parse([...proxy, '--auth-proxy-user-header', "!#$%&'*+.^_`|~09azAZ-"]).auth).toMatchObject({ userHeader: "!#$%&'*+.^_`|~09azAZ-" });
  });
});
