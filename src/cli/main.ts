#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, SOURCE_OPTIONS, sourceConfig } from '../config.js';
import { createSource } from '../cluster/create-source.js';
import { SnapshotError } from '../cluster/snapshot/load-snapshot.js';
import { createLogger } from '../logger.js';
import { createApp } from '../server/create-app.js';
import { formatPipelines, type CliPipeline } from './format-text.js';

const USAGE = `Usage: flux-pipelines get [hybrid|crd|stage|cm] [options]

Prints each pipeline's stages in order with what they run: Deployment/<name>: <image tags>
and HelmRelease/<name>: <chart version>. Goes through the service's GraphQL schema in-process.

Options:
  --name N          one pipeline (default: every pipeline of the approach)
  --namespace NS    where definitions live (default: flux-system with --name, else all)
  --source S        demo (default), kube, or a snapshot path (FLUX_PIPELINES_SOURCE)
  --context NAME    kubeconfig context for --source kube
  --kubeconfig P    kubeconfig file for --source kube (KUBECONFIG)
  -o, --output F    text (default) or json (the GraphQL result)
  -h, --help        show this help
`;

const APPROACH_ARGS: Record<string, string> = { hybrid: 'HYBRID', crd: 'CRD', stage: 'STAGE', cm: 'CM' };

const FIELDS = `
  name namespace approach
  stages {
    name namespace order
    releases {
      __typename name ready readyReason version
      workloads { name images { tag digest } }
    }
  }`;
const ONE = `query CliPipeline($approach: Approach!, $name: String!, $namespace: String) {
  pipeline(approach: $approach, name: $name, namespace: $namespace) { ${FIELDS} }
}`;
const ALL = `query CliPipelines($approach: Approach, $namespace: String) {
  pipelines(approach: $approach, namespace: $namespace) { ${FIELDS} }
}`;

interface GraphQLResult {
  data?: { pipeline?: CliPipeline | null; pipelines?: (CliPipeline | null)[] } | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...SOURCE_OPTIONS,
        name: { type: 'string' },
        namespace: { type: 'string' },
        output: { type: 'string', short: 'o', default: 'text' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [command, approachArg = 'hybrid', ...extra] = positionals;
  if (command !== 'get') throw new ConfigError(command ? `unknown command "${command}"` : 'missing command: get');
  if (extra.length > 0) throw new ConfigError(`unexpected argument "${extra[0]}"`);
  const approach = APPROACH_ARGS[approachArg.toLowerCase()];
  if (!approach) throw new ConfigError(`unknown approach "${approachArg}"; use hybrid, crd, stage or cm`);
  if (values.output !== 'text' && values.output !== 'json') throw new ConfigError(`--output must be text or json, got "${values.output}"`);

  const source = await createSource(sourceConfig(values, process.env));
  const app = createApp({ source, logger: createLogger('silent') });
  const body = values.name
    ? { query: ONE, variables: { approach, name: values.name, namespace: values.namespace ?? 'flux-system' } }
    : { query: ALL, variables: { approach, namespace: values.namespace ?? null } };
  const response = await app.fetch('http://flux-pipelines.cli/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const result = (await response.json()) as GraphQLResult;

  if (values.output === 'json') {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const pipelines = values.name ? [result.data?.pipeline ?? null] : (result.data?.pipelines ?? []);
    if (result.data) process.stdout.write(formatPipelines(pipelines));
  }
  for (const error of result.errors ?? []) {
    const where = error.path ? ` (at ${error.path.join('.')})` : '';
    process.stderr.write(`error: ${error.message}${where} [${error.extensions?.code ?? 'ERROR'}]\n`);
  }
  return result.errors?.length ? 1 : 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const expected = error instanceof ConfigError || error instanceof SnapshotError;
    process.stderr.write(`flux-pipelines: ${expected ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
    // 2 is for bad usage only; an unreadable snapshot or anything unexpected is an error (1).
    if (error instanceof ConfigError) process.stderr.write('Run with --help for usage.\n');
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
