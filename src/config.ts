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
    };

export interface ServerConfig {
  port: number;
  host: string;
  logLevel: string;
  source: SourceConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const SOURCE_OPTIONS = {
  source: { type: 'string' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
} as const;

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `--source demo|kube|<path>` (FLUX_PIPELINES_SOURCE), with `--context` and `--kubeconfig` for kube. */
export function sourceConfig(values: { source?: string; context?: string; kubeconfig?: string }, env: Env): SourceConfig {
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
    };
  }
  if (context !== null) throw new ConfigError(`--context only applies to --source kube (source is "${source}")`);
  return { type: 'snapshot', path: source };
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 0 || n > 65535) throw new ConfigError(`port must be an integer from 0 to 65535, got "${value}"`);
  return n;
}

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
  --log-level L       ${LOG_LEVELS.join('|')} (LOG_LEVEL; default info)
  -h, --help          show this help
`;

export function parseServerConfig(argv: string[], env: Env): ServerConfig | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...SOURCE_OPTIONS,
        port: { type: 'string' },
        host: { type: 'string' },
        'log-level': { type: 'string' },
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
  return {
    port: port(nonEmpty(values.port) ?? nonEmpty(env.PORT) ?? '4000'),
    host: nonEmpty(values.host) ?? nonEmpty(env.HOST) ?? '0.0.0.0',
    logLevel,
    source: sourceConfig(values, env),
  };
}
