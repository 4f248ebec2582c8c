import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * All configuration is read here, once, from flags and then environment variables;
 * nothing else in the service reads process.env or argv.
 */
export type SourceConfig =
  | { type: 'demo' }
  | { type: 'snapshot'; path: string }
  | {
      type: 'kube';
      context: string | null;
      kubeconfig: string | null;
      /** In a pod (the service-account environment is present) and no kubeconfig given. */
      inCluster: boolean;
      defaultKubeconfig: string | undefined;
      /** How long a watch may be down before /readyz turns 503 (answers are marked stale at once). */
      staleGraceMs?: number;
    };

/** Limits that keep one request from costing the service or the API server too much. */
export interface GraphQLLimits {
  /** Schema introspection (and GraphiQL, and "did you mean" suggestions) on or off. */
  introspection: boolean;
  maxDepth: number;
  /** Estimated work, counting list fan-out (see server/query-cost.ts). */
  maxComplexity: number;
  maxAliases: number;
  maxBodyBytes: number;
  /** A query's deadline; in-flight Kubernetes calls are aborted when it passes. */
  queryTimeoutMs: number;
  /** Lexical tokens per document, counted before it is parsed. */
  maxTokens: number;
  /** Fields per document, a field repeated in one selection set counting more (server/document-limits.ts). */
  maxFields: number;
  /** Named fragments per document. */
  maxFragments: number;
  /** Estimated bytes of the cache of parsed, valid documents. */
  documentCacheBytes: number;
  /** Time for a client to send a request's headers (and, on a new connection, its first byte). */
  headersTimeoutMs: number;
  /** Time for a client to send a whole request, body included; the query deadline starts after it. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Open connections; the next one is refused with 503. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: GraphQLLimits = {
  introspection: true,
  maxDepth: 10,
  maxComplexity: 200_000,
  maxAliases: 20,
  maxBodyBytes: 64 * 1024,
  queryTimeoutMs: 15_000,
  maxTokens: 1_000,
  maxFields: 500,
  maxFragments: 16,
  documentCacheBytes: 8 * 1024 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
};

export interface ServerConfig {
  port: number;
  host: string;
  logLevel: string;
  source: SourceConfig;
  limits: GraphQLLimits;
  /** Serve /metrics on this port only (not on the API port); null: on the API port. */
  metricsPort: number | null;
  /** Open subscriptions per process (each holds a connection and a listener). */
  maxSubscriptions: number;
  /** Bytes of encoded answers kept for repeated queries (0: no result cache). */
  resultCacheBytes: number;
  auth: AuthConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const SOURCE_OPTIONS = {
  source: { type: 'string' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  'stale-grace-ms': { type: 'string' },
} as const;

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `--source demo|kube|<path>` (FLUX_PIPELINES_SOURCE), with `--context` and `--kubeconfig` for kube. */
export function sourceConfig(values: { source?: string; context?: string; kubeconfig?: string; 'stale-grace-ms'?: string }, env: Env): SourceConfig {
  const source = nonEmpty(values.source) ?? nonEmpty(env.FLUX_PIPELINES_SOURCE) ?? 'demo';
  const context = nonEmpty(values.context) ?? nonEmpty(env.FLUX_PIPELINES_CONTEXT) ?? null;
  const kubeconfig = nonEmpty(values.kubeconfig) ?? nonEmpty(env.KUBECONFIG) ?? null;
  if (source === 'demo') return { type: 'demo' };
  if (source === 'kube') {
    return {
      type: 'kube',
      context,
      kubeconfig,
      inCluster: Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT),
      defaultKubeconfig: env.HOME ? join(env.HOME, '.kube', 'config') : undefined,
      staleGraceMs: positiveInt('stale-grace-ms', nonEmpty(values['stale-grace-ms']) ?? nonEmpty(env.FLUX_PIPELINES_STALE_GRACE_MS), 30_000),
    };
  }
  if (context !== null) throw new ConfigError(`--context only applies to --source kube (source is "${source}")`);
  return { type: 'snapshot', path: source };
}

function port(value: string): number {
  const n = Number(value);
  // Stryker disable next-line ConditionalExpression: digits alone are never negative
  if (!/^\d+$/.test(value) || n < 0 || n > 65535) throw new ConfigError(`port must be an integer from 0 to 65535, got "${value}"`);
  return n;
}

function metricsPort(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new ConfigError(`metrics-port must be an integer from 0 to 65535, got "${value}"`);
  }
  return Number(value);
}
// Per-user access defaults (--auth); used in the usage text below.
export const DEFAULT_AUTH_CACHE_MS = 10_000;
const DEFAULT_USER_HEADER = 'X-Forwarded-User';
const DEFAULT_GROUPS_HEADER = 'X-Forwarded-Groups';

export const SERVER_USAGE = `Usage: flux-pipelines-api [options]

Serves the flux-pipelines GraphQL API (GraphiQL at /graphql).

Options (environment variable in brackets):
  --port N            listen port, 0 for any free one (PORT; default 4000)
  --host ADDR         listen address (HOST; default 0.0.0.0)
  --source S          demo (built-in snapshot, default), kube (the cluster), or a
                      path to a YAML file or directory (FLUX_PIPELINES_SOURCE)
  --context NAME      kubeconfig context for --source kube (FLUX_PIPELINES_CONTEXT)
  --kubeconfig PATH   kubeconfig file for --source kube (KUBECONFIG); in a pod
                      without one, the service account is used
  --stale-grace-ms N  for --source kube: how long a watch may be down before /readyz
                      turns 503; answers say "stale" at once (FLUX_PIPELINES_STALE_GRACE_MS;
                      default 30000)
  --log-level L       ${LOG_LEVELS.join('|')} (LOG_LEVEL; default info)

GraphQL limits:
  --introspection B   true|false: schema introspection, GraphiQL and field
                      suggestions; turn off in production (FLUX_PIPELINES_INTROSPECTION;
                      default ${DEFAULT_LIMITS.introspection})
  --max-depth N       deepest field nesting (FLUX_PIPELINES_MAX_DEPTH; default ${DEFAULT_LIMITS.maxDepth})
  --max-complexity N  estimated cost with list fan-out, for pipelines the number
                      it lists (FLUX_PIPELINES_MAX_COMPLEXITY; default ${DEFAULT_LIMITS.maxComplexity})
  --max-aliases N     aliases per document (FLUX_PIPELINES_MAX_ALIASES; default ${DEFAULT_LIMITS.maxAliases})
  --max-body-bytes N  request body size (FLUX_PIPELINES_MAX_BODY_BYTES; default ${DEFAULT_LIMITS.maxBodyBytes})
  --query-timeout-ms N  per-query deadline; Kubernetes calls still running are
                      aborted (FLUX_PIPELINES_QUERY_TIMEOUT_MS; default ${DEFAULT_LIMITS.queryTimeoutMs})
  --max-tokens N      tokens per document, counted before parsing
                      (FLUX_PIPELINES_MAX_TOKENS; default ${DEFAULT_LIMITS.maxTokens})
  --max-fields N      fields per document, repeated fields counting more
                      (FLUX_PIPELINES_MAX_FIELDS; default ${DEFAULT_LIMITS.maxFields})
  --max-fragments N   named fragments per document (FLUX_PIPELINES_MAX_FRAGMENTS;
                      default ${DEFAULT_LIMITS.maxFragments})
  --document-cache-bytes N  estimated size of the cache of valid documents
                      (FLUX_PIPELINES_DOCUMENT_CACHE_BYTES; default ${DEFAULT_LIMITS.documentCacheBytes})

Connection limits:
  --headers-timeout-ms N    time to send request headers (FLUX_PIPELINES_HEADERS_TIMEOUT_MS;
                      default ${DEFAULT_LIMITS.headersTimeoutMs})
  --request-timeout-ms N    time to send a whole request, body included
                      (FLUX_PIPELINES_REQUEST_TIMEOUT_MS; default ${DEFAULT_LIMITS.requestTimeoutMs})
  --keep-alive-timeout-ms N idle keep-alive connections are closed after this
                      (FLUX_PIPELINES_KEEP_ALIVE_TIMEOUT_MS; default ${DEFAULT_LIMITS.keepAliveTimeoutMs})
  --max-connections N open connections; more are refused with 503
                      (FLUX_PIPELINES_MAX_CONNECTIONS; default ${DEFAULT_LIMITS.maxConnections})

Metrics:
  --metrics-port N    serve /metrics on this port (0: any free one) instead of
                      the API port (FLUX_PIPELINES_METRICS_PORT)

Subscriptions:
  --max-subscriptions N  open subscriptions per process; more are refused with
                      TOO_MANY_SUBSCRIPTIONS (FLUX_PIPELINES_MAX_SUBSCRIPTIONS; default 100)

Repeated queries:
  --result-cache-mb N answers kept for repeated queries, in MiB; 0 turns the
                      cache off (FLUX_PIPELINES_RESULT_CACHE_MB; default 64)

Who sees what (see README, "Who sees what"):
  --auth MODE         none (default: everyone reads what the service may read),
                      token (Authorization: Bearer, checked by TokenReview) or proxy
                      (user/groups headers from a trusted proxy); token and proxy need
                      --source kube (FLUX_PIPELINES_AUTH)
  --auth-cache-ms N   how long token and access reviews are trusted; also how long a
                      revoked RoleBinding keeps working (FLUX_PIPELINES_AUTH_CACHE_MS;
                      default ${DEFAULT_AUTH_CACHE_MS})
  --auth-proxy-trusted LIST  proxy source addresses, IPs or CIDRs, comma-separated
                      (FLUX_PIPELINES_AUTH_PROXY_TRUSTED; required for proxy)
  --auth-proxy-user-header NAME    (FLUX_PIPELINES_AUTH_PROXY_USER_HEADER; default ${DEFAULT_USER_HEADER})
  --auth-proxy-groups-header NAME  comma-separated groups
                      (FLUX_PIPELINES_AUTH_PROXY_GROUPS_HEADER; default ${DEFAULT_GROUPS_HEADER})

  -h, --help          show this help
`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new ConfigError(`${name} must be a positive integer, got "${value}"`);
  }
  return Number(value);
}

/** 0 is allowed here (no cache), unlike the limits: a cache is an option, a limit is not. */
function resultCacheMiB(value: string | undefined): number {
  if (value === undefined) return 64;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ConfigError(`result-cache-mb must be a whole number of MiB (0 turns the cache off), got "${value}"`);
  }
  return Number(value);
}

function bool(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

const LIMIT_OPTIONS = {
  introspection: { type: 'string' },
  'max-depth': { type: 'string' },
  'max-complexity': { type: 'string' },
  'max-aliases': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'query-timeout-ms': { type: 'string' },
  'max-tokens': { type: 'string' },
  'max-fields': { type: 'string' },
  'max-fragments': { type: 'string' },
  'document-cache-bytes': { type: 'string' },
  'headers-timeout-ms': { type: 'string' },
  'request-timeout-ms': { type: 'string' },
  'keep-alive-timeout-ms': { type: 'string' },
  'max-connections': { type: 'string' },
} as const;

function limitsConfig(values: Partial<Record<keyof typeof LIMIT_OPTIONS, string>>, env: Env): GraphQLLimits {
  const pick = (flag: keyof typeof LIMIT_OPTIONS, variable: string) => nonEmpty(values[flag]) ?? nonEmpty(env[variable]);
  const limits: GraphQLLimits = {
    introspection: bool('introspection', pick('introspection', 'FLUX_PIPELINES_INTROSPECTION'), DEFAULT_LIMITS.introspection),
    maxDepth: positiveInt('max-depth', pick('max-depth', 'FLUX_PIPELINES_MAX_DEPTH'), DEFAULT_LIMITS.maxDepth),
    maxComplexity: positiveInt('max-complexity', pick('max-complexity', 'FLUX_PIPELINES_MAX_COMPLEXITY'), DEFAULT_LIMITS.maxComplexity),
    maxAliases: positiveInt('max-aliases', pick('max-aliases', 'FLUX_PIPELINES_MAX_ALIASES'), DEFAULT_LIMITS.maxAliases),
    maxBodyBytes: positiveInt('max-body-bytes', pick('max-body-bytes', 'FLUX_PIPELINES_MAX_BODY_BYTES'), DEFAULT_LIMITS.maxBodyBytes),
    queryTimeoutMs: positiveInt('query-timeout-ms', pick('query-timeout-ms', 'FLUX_PIPELINES_QUERY_TIMEOUT_MS'), DEFAULT_LIMITS.queryTimeoutMs),
    maxTokens: positiveInt('max-tokens', pick('max-tokens', 'FLUX_PIPELINES_MAX_TOKENS'), DEFAULT_LIMITS.maxTokens),
    maxFields: positiveInt('max-fields', pick('max-fields', 'FLUX_PIPELINES_MAX_FIELDS'), DEFAULT_LIMITS.maxFields),
    maxFragments: positiveInt('max-fragments', pick('max-fragments', 'FLUX_PIPELINES_MAX_FRAGMENTS'), DEFAULT_LIMITS.maxFragments),
    documentCacheBytes: positiveInt('document-cache-bytes', pick('document-cache-bytes', 'FLUX_PIPELINES_DOCUMENT_CACHE_BYTES'), DEFAULT_LIMITS.documentCacheBytes),
    headersTimeoutMs: positiveInt('headers-timeout-ms', pick('headers-timeout-ms', 'FLUX_PIPELINES_HEADERS_TIMEOUT_MS'), DEFAULT_LIMITS.headersTimeoutMs),
    requestTimeoutMs: positiveInt('request-timeout-ms', pick('request-timeout-ms', 'FLUX_PIPELINES_REQUEST_TIMEOUT_MS'), DEFAULT_LIMITS.requestTimeoutMs),
    keepAliveTimeoutMs: positiveInt('keep-alive-timeout-ms', pick('keep-alive-timeout-ms', 'FLUX_PIPELINES_KEEP_ALIVE_TIMEOUT_MS'), DEFAULT_LIMITS.keepAliveTimeoutMs),
    maxConnections: positiveInt('max-connections', pick('max-connections', 'FLUX_PIPELINES_MAX_CONNECTIONS'), DEFAULT_LIMITS.maxConnections),
  };
  // The parser recurses once per bracket level: depth bounds that recursion (document-limits.ts).
  if (limits.maxDepth > MAX_DEPTH_CEILING) throw new ConfigError(`max-depth must be at most ${MAX_DEPTH_CEILING}, got "${limits.maxDepth}"`);
  // Node requires the header deadline to be within the whole-request one.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(`headers-timeout-ms (${limits.headersTimeoutMs}) must not be over request-timeout-ms (${limits.requestTimeoutMs})`);
  }
  return limits;
}

const MAX_DEPTH_CEILING = 100;
// --- per-user access (--auth) ---


/** An address or network a trusted authenticating proxy connects from. */
export interface TrustedNetwork {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export type AuthConfig =
  | { mode: 'none' }
  | { mode: 'token'; cacheTtlMs: number }
  | { mode: 'proxy'; cacheTtlMs: number; userHeader: string; groupsHeader: string; trusted: TrustedNetwork[] };

const AUTH_OPTIONS = {
  auth: { type: 'string' },
  'auth-cache-ms': { type: 'string' },
  'auth-proxy-trusted': { type: 'string' },
  'auth-proxy-user-header': { type: 'string' },
  'auth-proxy-groups-header': { type: 'string' },
} as const;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function headerName(option: string, value: string): string {
  if (!HEADER_NAME.test(value)) throw new ConfigError(`${option} must be an HTTP header name, got "${value}"`);
  return value;
}

/** "10.0.0.0/8,192.168.1.7,fd00::/8" → networks; every entry must be an IP or CIDR. */
export function trustedNetworks(value: string): TrustedNetwork[] {
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new ConfigError('auth-proxy-trusted must list at least one IP address or CIDR');
  return entries.map((entry) => {
    const [address = '', prefixText, extra] = entry.split('/');
    const version = isIP(address);
    const bits = version === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? bits : Number(prefixText);
    if (version === 0 || extra !== undefined || (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) || prefix > bits) {
      throw new ConfigError(`auth-proxy-trusted: "${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)`);
    }
    return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
  });
}

function authConfig(values: Partial<Record<keyof typeof AUTH_OPTIONS, string>>, env: Env, source: SourceConfig): AuthConfig {
  const pick = (flag: keyof typeof AUTH_OPTIONS, variable: string) => nonEmpty(values[flag]) ?? nonEmpty(env[variable]);
  const mode = pick('auth', 'FLUX_PIPELINES_AUTH') ?? 'none';
  if (mode === 'none') return { mode };
  if (mode !== 'token' && mode !== 'proxy') throw new ConfigError(`auth must be none, token or proxy, got "${mode}"`);
  if (source.type !== 'kube') {
    throw new ConfigError(`--auth ${mode} needs --source kube (source is "${source.type === 'snapshot' ? source.path : source.type}"): access is decided by the cluster's RBAC`);
  }
  const cacheTtlMs = positiveInt('auth-cache-ms', pick('auth-cache-ms', 'FLUX_PIPELINES_AUTH_CACHE_MS'), DEFAULT_AUTH_CACHE_MS);
  if (mode === 'token') return { mode, cacheTtlMs };
  const trusted = pick('auth-proxy-trusted', 'FLUX_PIPELINES_AUTH_PROXY_TRUSTED');
  if (trusted === undefined) throw new ConfigError('--auth proxy needs --auth-proxy-trusted: the addresses the authenticating proxy connects from');
  return {
    mode,
    cacheTtlMs,
    trusted: trustedNetworks(trusted),
    userHeader: headerName('auth-proxy-user-header', pick('auth-proxy-user-header', 'FLUX_PIPELINES_AUTH_PROXY_USER_HEADER') ?? DEFAULT_USER_HEADER),
    groupsHeader: headerName('auth-proxy-groups-header', pick('auth-proxy-groups-header', 'FLUX_PIPELINES_AUTH_PROXY_GROUPS_HEADER') ?? DEFAULT_GROUPS_HEADER),
  };
}

/** Loopback only: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export function parseServerConfig(argv: string[], env: Env): ServerConfig | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...SOURCE_OPTIONS,
        ...LIMIT_OPTIONS,
        ...AUTH_OPTIONS,
        port: { type: 'string' },
        host: { type: 'string' },
        'log-level': { type: 'string' },
        'metrics-port': { type: 'string' },
        'max-subscriptions': { type: 'string' },
        'result-cache-mb': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  if (values.help) return 'help';
  const logLevel = nonEmpty(values['log-level']) ?? nonEmpty(env.LOG_LEVEL) ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const source = sourceConfig(values, env);
  return {
    port: port(nonEmpty(values.port) ?? nonEmpty(env.PORT) ?? '4000'),
    host: nonEmpty(values.host) ?? nonEmpty(env.HOST) ?? '0.0.0.0',
    logLevel,
    source,
    limits: limitsConfig(values, env),
    metricsPort: metricsPort(nonEmpty(values['metrics-port']) ?? nonEmpty(env.FLUX_PIPELINES_METRICS_PORT)),
    maxSubscriptions: positiveInt('max-subscriptions', nonEmpty(values['max-subscriptions']) ?? nonEmpty(env.FLUX_PIPELINES_MAX_SUBSCRIPTIONS), 100),
    resultCacheBytes: resultCacheMiB(nonEmpty(values['result-cache-mb']) ?? nonEmpty(env.FLUX_PIPELINES_RESULT_CACHE_MB)) * 1024 * 1024,
    auth: authConfig(values, env, source),
  };
}
