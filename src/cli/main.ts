#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ConfigError, SOURCE_OPTIONS, sourceConfig } from '../config.js';
import { createSource } from '../cluster/create-source.js';
import { SnapshotError } from '../cluster/snapshot/load-snapshot.js';
import { createLogger } from '../logger.js';
import { createApp, type App } from '../server/create-app.js';
import { formatDrift, formatPipelines, formatPlacements, type CliDriftPipeline, type CliPipeline, type CliPlacement, type TableOptions } from './format-text.js';

const COMMON_OPTIONS = `Options for every command:
  -n, --namespace NS      where pipeline definitions live (default: flux-system)
  -A, --all-namespaces    every namespace
  -o, --output F          text (default: an aligned table), wide (more columns),
                          json or yaml (the GraphQL result, errors included)
      --source S          demo (default), kube, or a snapshot path (FLUX_PIPELINES_SOURCE)
      --context NAME      kubeconfig context; without --source, reads the cluster
      --kubeconfig PATH   kubeconfig file(s); without --source, reads the cluster
  -h, --help              help for the command
      --version           print the version
`;

const USAGE: Record<string, string> = {
  '': `Usage: flux-pipelines COMMAND [options]

Flux delivery pipelines from the command line, through the service's GraphQL schema in-process.

Commands:
  get [hybrid|crd|stage|cm|all] [NAME]   each pipeline's stages in order, what they run, and its health
  diff NAME                              what differs between adjacent stages of a pipeline (drift)
  where IMAGE | --chart CHART            every pipeline, stage and workload running an image or a chart

Run "flux-pipelines COMMAND --help" for a command's help.

${COMMON_OPTIONS}`,
  get: `Usage: flux-pipelines get [hybrid|crd|stage|cm|all] [NAME] [options]

Prints each pipeline's stages in order and what runs there, one row per workload of a
Kustomization (its image versions) and per HelmRelease (its chart version), with the
release's health. The approach defaults to hybrid, as in the proof of concept.

      --name N            one pipeline (the same as NAME)
${COMMON_OPTIONS}`,
  diff: `Usage: flux-pipelines diff NAME [options]

Prints the drift of pipeline NAME (of every approach defining one with that name): for each
pair of adjacent stages, the components whose versions differ, and whether the downstream
stage is BEHIND, AHEAD or just DIFFERENT (semver-aware), or runs it only on one side.

      --approach A        only this approach (hybrid, crd, stage or cm)
${COMMON_OPTIONS}`,
  where: `Usage: flux-pipelines where IMAGE [options]
       flux-pipelines where --chart CHART [options]

Prints every pipeline, stage, release and workload running an image repository (any tag or
digest; only that one when IMAGE names a tag or digest) or a Helm chart, across all approaches
and namespaces (-n keeps only pipelines defined in one namespace).

      --chart CHART       a chart name instead of an image
${COMMON_OPTIONS}`,
};

const APPROACH_ARGS: Record<string, string | null> = { hybrid: 'HYBRID', crd: 'CRD', stage: 'STAGE', cm: 'CM', all: null };
const DEFAULT_NAMESPACE = 'flux-system';

const PIPELINE_FIELDS = `
  name namespace approach health
  stages {
    name namespace order health healthReason { message }
    releases {
      __typename name health healthReason { message } version
      workloads { kind name replicas readyReplicas images { reference tag digest } }
    }
  }`;
const GET_ONE = `query CliPipeline($approach: Approach!, $name: String!, $namespace: String) {
  pipeline(approach: $approach, name: $name, namespace: $namespace) { ${PIPELINE_FIELDS} }
}`;
const GET_ALL = `query CliPipelines($approach: Approach, $namespace: String) {
  pipelines(approach: $approach, namespace: $namespace) { ${PIPELINE_FIELDS} }
}`;
const DIFF = `query CliDiff($approach: Approach, $namespace: String) {
  pipelines(approach: $approach, namespace: $namespace) {
    name namespace approach
    drift { upstream { name } downstream { name } key name upstreamVersion downstreamVersion status }
  }
}`;
const WHERE = `query CliWhere($image: String, $chart: String) {
  whereDeployed(image: $image, chart: $chart) {
    pipeline { name namespace approach }
    stage { name namespace }
    release { __typename name }
    workload { kind name }
    image { container reference }
    version
  }
}`;

interface GraphQLResult {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

/** The package version, found from this module's location (src/ in tests, dist/src/ when built). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'flux-pipelines-api') return pkg.version ?? 'unknown';
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

async function execute(app: App, query: string, variables: Record<string, unknown>): Promise<GraphQLResult> {
  const response = await app.fetch('http://flux-pipelines.cli/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResult;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        ...SOURCE_OPTIONS,
        name: { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        'all-namespaces': { type: 'boolean', short: 'A' },
        output: { type: 'string', short: 'o', default: 'text' },
        approach: { type: 'string' },
        chart: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

const OUTPUTS = ['text', 'wide', 'json', 'yaml'] as const;
type Output = (typeof OUTPUTS)[number];

function approachOf(arg: string): string | null {
  if (!(arg.toLowerCase() in APPROACH_ARGS)) throw new ConfigError(`unknown approach "${arg}"; use hybrid, crd, stage, cm or all`);
  return APPROACH_ARGS[arg.toLowerCase()]!;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command = '', ...args] = positionals;
  if (values.version) {
    process.stdout.write(`flux-pipelines ${packageVersion()}\n`);
    return 0;
  }
  if (values.help) {
    if (!(command in USAGE)) throw new ConfigError(`unknown command "${command}"`);
    process.stdout.write(USAGE[command]!);
    return 0;
  }
  if (!command) throw new ConfigError('missing command: get, diff or where');
  if (!(command in USAGE)) throw new ConfigError(`unknown command "${command}"; use get, diff or where`);

  const output = values.output as Output;
  if (!OUTPUTS.includes(output)) throw new ConfigError(`--output must be one of ${OUTPUTS.join(', ')}, got "${values.output}"`);
  const allNamespaces = values['all-namespaces'] === true;
  if (allNamespaces && values.namespace !== undefined) throw new ConfigError('--namespace and --all-namespaces cannot be used together');
  const namespace = allNamespaces ? null : (values.namespace ?? DEFAULT_NAMESPACE);
  const table: TableOptions = { allNamespaces, wide: output === 'wide' };

  // Naming a cluster (--context, --kubeconfig) without a source means that cluster: never
  // answer from the demo while the user believes they are looking at a cluster.
  const explicitSource = values.source ?? process.env.FLUX_PIPELINES_SOURCE;
  const namesCluster = values.context !== undefined || values.kubeconfig !== undefined;
  const source = explicitSource === undefined || explicitSource.trim() === '' ? (namesCluster ? 'kube' : 'demo') : explicitSource;
  if (values.kubeconfig !== undefined && source !== 'kube') throw new ConfigError(`--kubeconfig only applies to --source kube (source is "${source}")`);

  let query: string;
  let variables: Record<string, unknown>;
  let render: (data: Record<string, any>) => string;
  switch (command) {
    case 'get': {
      const [approachArg = 'hybrid', nameArg, ...extra] = args;
      if (extra.length > 0) throw new ConfigError(`unexpected argument "${extra[0]}"`);
      if (nameArg !== undefined && values.name !== undefined && nameArg !== values.name) throw new ConfigError(`two names given: "${nameArg}" and --name "${values.name}"`);
      const approach = approachOf(approachArg);
      const name = nameArg ?? values.name;
      if (name !== undefined) {
        if (approach === null) throw new ConfigError('a NAME needs an approach (hybrid, crd, stage or cm), not all');
        if (allNamespaces) throw new ConfigError('a NAME needs one namespace (-n), not --all-namespaces');
        query = GET_ONE;
        variables = { approach, name, namespace };
        render = (data) => formatPipelines([data.pipeline as CliPipeline | null], table);
      } else {
        query = GET_ALL;
        variables = { approach, namespace };
        render = (data) => formatPipelines((data.pipelines ?? []) as (CliPipeline | null)[], table);
      }
      break;
    }
    case 'diff': {
      const [name, ...extra] = args;
      if (!name) throw new ConfigError('diff needs a pipeline NAME');
      if (extra.length > 0) throw new ConfigError(`unexpected argument "${extra[0]}"`);
      const approach = values.approach === undefined ? null : approachOf(values.approach);
      query = DIFF;
      variables = { approach, namespace };
      render = (data) => {
        const matching = ((data.pipelines ?? []) as (CliDriftPipeline | null)[]).filter((p): p is CliDriftPipeline => p !== null && p.name === name);
        if (matching.length === 0) return '';
        return formatDrift(matching, table);
      };
      break;
    }
    default: {
      const [image, ...extra] = args;
      if (extra.length > 0) throw new ConfigError(`unexpected argument "${extra[0]}"`);
      if (image === undefined && values.chart === undefined) throw new ConfigError('where needs an IMAGE or --chart CHART');
      query = WHERE;
      variables = { image: image ?? null, chart: values.chart ?? null };
      render = (data) => {
        const placements = (data.whereDeployed ?? []) as (CliPlacement | null)[];
        return formatPlacements(namespace === null || values.namespace === undefined ? placements : placements.filter((p) => p === null || p.pipeline.namespace === namespace), { ...table, allNamespaces: true });
      };
    }
  }

  const app = createApp({ source: await createSource(sourceConfig({ ...values, source }, process.env)), logger: createLogger('silent') });
  const result = await execute(app, query, variables);

  if (output === 'json') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (output === 'yaml') process.stdout.write(stringify(result));
  else if (result.data) process.stdout.write(render(result.data));

  let failed = (result.errors?.length ?? 0) > 0;
  for (const error of result.errors ?? []) {
    const where = error.path ? ` (at ${error.path.join('.')})` : '';
    process.stderr.write(`error: ${error.message}${where} [${error.extensions?.code ?? 'ERROR'}]\n`);
  }
  if (command === 'diff' && result.data && !((result.data.pipelines ?? []) as ({ name: string } | null)[]).some((p) => p?.name === args[0])) {
    process.stderr.write(`error: no pipeline named "${args[0]}" ${namespace === null ? 'in any namespace' : `in namespace "${namespace}"`} [PIPELINE_NOT_FOUND]\n`);
    failed = true;
  }
  return failed ? 1 : 0;
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
