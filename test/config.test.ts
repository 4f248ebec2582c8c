// The configuration table of the README, read by parseServerConfig: each flag, its
// environment variable, its default, which wins, and the message for a bad value.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseServerConfig, sourceConfig, type ServerConfig } from '../src/config.js';

const parse = (argv: string[], env: Record<string, string> = {}) => parseServerConfig(argv, env) as ServerConfig;

function refusal(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseServerConfig(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).name).toBe('ConfigError');
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(argv)} ${JSON.stringify(env)}`);
}

describe('server configuration', () => {
  it('defaults: port 4000 on 0.0.0.0, log level info, the demo', () => {
    expect(parse([])).toMatchObject({ port: 4000, host: '0.0.0.0', logLevel: 'info', source: { type: 'demo' } });
  });

  it('answers help for -h and --help', () => {
    expect(parseServerConfig(['-h'], {})).toBe('help');
    expect(parseServerConfig(['--help'], {})).toBe('help');
  });

  it.each([
    ['port', ['--port', '8080'], { PORT: '9090' }, 8080, { PORT: '9090' }, 9090],
    ['host', ['--host', '127.0.0.1'], { HOST: '::1' }, '127.0.0.1', { HOST: '::1' }, '::1'],
    ['logLevel', ['--log-level', 'debug'], { LOG_LEVEL: 'warn' }, 'debug', { LOG_LEVEL: 'warn' }, 'warn'],
  ] as const)('%s: the flag wins over the environment, which wins over the default', (key, argv, env, fromFlag, envOnly, fromEnv) => {
    expect(parse([...argv], env)[key]).toBe(fromFlag);
    expect(parse([], envOnly)[key]).toBe(fromEnv);
  });

  it('ignores empty and blank values, trimming the rest', () => {
    expect(parse(['--host', '  '], { HOST: ' 127.0.0.2 ', PORT: '', LOG_LEVEL: ' ' })).toMatchObject({ host: '127.0.0.2', port: 4000, logLevel: 'info' });
  });

  it.each([
    [['--port', '65536'], 'port must be an integer from 0 to 65535, got "65536"'],
    [['--port=-1'], 'port must be an integer from 0 to 65535, got "-1"'],
    [['--port', '1e3'], 'port must be an integer from 0 to 65535, got "1e3"'],
    [['--log-level', 'verbose'], 'log level must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    [['stray'], `Unexpected argument 'stray'. This command does not take positional arguments`],
  ])('refuses %j', (argv, message) => {
    expect(refusal(argv)).toBe(message);
  });

  it('accepts the port bounds 0 and 65535', () => {
    expect(parse(['--port', '0']).port).toBe(0);
    expect(parse(['--port', '65535']).port).toBe(65535);
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('accepts log level %s', (level) => {
    expect(parse(['--log-level', level]).logLevel).toBe(level);
  });
});

describe('source configuration', () => {
  it('reads --source, then FLUX_PIPELINES_SOURCE, else the demo', () => {
    expect(sourceConfig({}, {})).toEqual({ type: 'demo' });
    expect(sourceConfig({}, { FLUX_PIPELINES_SOURCE: 'snap.yaml' })).toEqual({ type: 'snapshot', path: 'snap.yaml' });
    expect(sourceConfig({ source: 'demo' }, { FLUX_PIPELINES_SOURCE: 'snap.yaml' })).toEqual({ type: 'demo' });
    expect(sourceConfig({ source: ' other.yaml ' }, {})).toEqual({ type: 'snapshot', path: 'other.yaml' });
  });

  it('reads kube with its context and kubeconfig, flags over environment', () => {
    expect(sourceConfig({ source: 'kube' }, { HOME: '/home/u' })).toMatchObject({
      type: 'kube',
      context: null,
      kubeconfig: null,
      inCluster: false,
      defaultKubeconfig: '/home/u/.kube/config',
    });
    expect(
      sourceConfig(
        { source: 'kube', context: 'flag-ctx', kubeconfig: '/flag/config' },
        { FLUX_PIPELINES_CONTEXT: 'env-ctx', KUBECONFIG: '/env/config', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      ),
    ).toMatchObject({ type: 'kube', context: 'flag-ctx', kubeconfig: '/flag/config', inCluster: true, defaultKubeconfig: undefined });
    expect(sourceConfig({}, { FLUX_PIPELINES_SOURCE: 'kube', FLUX_PIPELINES_CONTEXT: 'env-ctx', KUBECONFIG: '/env/config' })).toMatchObject({
      context: 'env-ctx',
      kubeconfig: '/env/config',
    });
  });

  it('is in a pod only when both service variables are set', () => {
    expect(sourceConfig({ source: 'kube' }, { KUBERNETES_SERVICE_HOST: '10.0.0.1' })).toMatchObject({ inCluster: false });
    expect(sourceConfig({ source: 'kube' }, { KUBERNETES_SERVICE_PORT: '443' })).toMatchObject({ inCluster: false });
  });

  it('refuses --context for anything but kube, naming the source', () => {
    expect(() => sourceConfig({ source: 'snap.yaml', context: 'c' }, {})).toThrow(new ConfigError('--context only applies to --source kube (source is "snap.yaml")'));
    expect(() => sourceConfig({}, { FLUX_PIPELINES_CONTEXT: 'c' })).not.toThrow();
  });
});

describe('limit flags and their variables', () => {
  const limitsOf = (argv: string[], env: Record<string, string> = {}) => parse(argv, env).limits;

  it.each([
    ['max-depth', 'FLUX_PIPELINES_MAX_DEPTH', 'maxDepth'],
    ['max-complexity', 'FLUX_PIPELINES_MAX_COMPLEXITY', 'maxComplexity'],
    ['max-aliases', 'FLUX_PIPELINES_MAX_ALIASES', 'maxAliases'],
    ['max-body-bytes', 'FLUX_PIPELINES_MAX_BODY_BYTES', 'maxBodyBytes'],
    ['query-timeout-ms', 'FLUX_PIPELINES_QUERY_TIMEOUT_MS', 'queryTimeoutMs'],
  ] as const)('--%s and %s set %s, the flag winning', (flag, variable, key) => {
    expect(limitsOf([], { [variable]: '7' })[key]).toBe(7);
    expect(limitsOf([`--${flag}`, '9'], { [variable]: '7' })[key]).toBe(9);
    expect(refusal([`--${flag}`, 'x1'])).toBe(`${flag} must be a positive integer, got "x1"`);
    expect(refusal([], { [variable]: '1x' })).toBe(`${flag} must be a positive integer, got "1x"`);
  });

  it('accepts 1, the smallest positive integer, and refuses 0 and unsafe integers', () => {
    expect(limitsOf(['--max-depth', '1']).maxDepth).toBe(1);
    expect(refusal(['--max-depth', '0'])).toBe('max-depth must be a positive integer, got "0"');
    expect(refusal(['--max-depth', '9007199254740993'])).toBe('max-depth must be a positive integer, got "9007199254740993"');
  });

  it('refuses an unknown flag instead of ignoring it', () => {
    expect(refusal(['--max-dept', '3'])).toBe("Unknown option '--max-dept'");
  });
});

describe('result cache size', () => {
  it('is 64 MiB by default, set by --result-cache-mb over FLUX_PIPELINES_RESULT_CACHE_MB, and 0 turns it off', () => {
    expect(parse([]).resultCacheBytes).toBe(64 * 1024 * 1024);
    expect(parse([], { FLUX_PIPELINES_RESULT_CACHE_MB: '8' }).resultCacheBytes).toBe(8 * 1024 * 1024);
    expect(parse(['--result-cache-mb', '16'], { FLUX_PIPELINES_RESULT_CACHE_MB: '8' }).resultCacheBytes).toBe(16 * 1024 * 1024);
    expect(parse(['--result-cache-mb', '0']).resultCacheBytes).toBe(0);
  });

  it('refuses what is not a whole number of MiB, naming the flag', () => {
    const why = (value: string) => `result-cache-mb must be a whole number of MiB (0 turns the cache off), got "${value}"`;
    expect(refusal(['--result-cache-mb=-1'])).toBe(why('-1'));
    expect(refusal(['--result-cache-mb', '1.5'])).toBe(why('1.5'));
    expect(refusal([], { FLUX_PIPELINES_RESULT_CACHE_MB: 'lots' })).toBe(why('lots'));
    expect(refusal(['--result-cache-mb', '9007199254740993'])).toBe(why('9007199254740993'));
  });
});
