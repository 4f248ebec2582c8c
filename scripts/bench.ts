#!/usr/bin/env node
/**
 * `npm run bench`: the figures of issue 8 (and the authorized case of issue 9), from one run.
 * A benchmark, never a test: it prints what it measured and fails only when it cannot
 * measure at all. Nothing here asserts a target; the targets are printed beside the figures.
 *
 * 1. Throughput: the built service and a bare graphql-yoga `{ hello }` server, both child
 *    processes on the same Node, loaded in alternating rounds with the README's HYBRID demo
 *    query (10 connections, autocannon); the ratio per round and overall. One case per way of
 *    calling the service (THROUGHPUT_CASES): the demo source; and, against the e2e suite's
 *    kube-apiserver, `--source kube` anonymous and with `--auth token` (one user).
 * 2. A generated fleet (scripts/fleet.ts; 101,000 objects at scale 1): start-up until /readyz
 *    is 200, RSS after start and after the queries, `pipelines` over all, one `pipeline` with
 *    the README's fields, and the README query under load beside bare Yoga's p99; then the same
 *    fleet as one `kind: List` file: does it start, and how fast.
 *
 * The machine is shared and has two cores: compare figures within one run (the ratios), not
 * across runs. Run `npm run bench -- --help` for the options.
 */
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { existingFleet, pipelineCount, pipelineName, stageNamespace, STAGES, writeFleet, type FleetSummary } from './fleet.js';
import {
  freePort,
  load,
  ms,
  percentile,
  query,
  rssMiB,
  startBenchCluster,
  startNode,
  table,
  waitReady,
  describeExit,
  children,
  cpuSeconds,
  badAnswers,
  type LoadResult,
  type BenchCluster,
  type LoadTarget,
  type Proc,
} from './bench-support.js';
import { readmeFieldsOfEveryPipeline, readmeQuery } from './readme-query.js';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  scale: number;
  seed: number;
  rounds: number;
  roundSeconds: number;
  warmupSeconds: number;
  connections: number;
  fleetLoadSeconds: number;
  pipelinesRepeat: number;
  pipelineRepeat: number;
  startTimeoutSeconds: number;
  queryTimeoutSeconds: number;
  maxOldSpaceSize: number | null;
  fleetDir: string;
  json: string | null;
  skipDemo: boolean;
  skipFleet: boolean;
  skipList: boolean;
  skipKube: boolean;
  serviceLogLevel: string;
}

const USAGE = `Usage: npm run bench -- [options]

  --quick                   scale 0.1, 3 rounds of 5 s, shorter fleet load (a few minutes)
  --scale F                 fleet size as a fraction of 1,000 pipelines (default 1; quick 0.1)
  --seed N                  fleet seed (default 1)
  --rounds N                alternating service/bare rounds (default 5; quick 3)
  --round-seconds S         length of one round (default 10; quick 5)
  --connections N           concurrent connections (default 10)
  --fleet-load-seconds S    README query under load on the fleet (default 30; quick 10)
  --start-timeout S         give up waiting for /readyz after S seconds (default 900; quick 300)
  --query-timeout S         give up on one query after S seconds (default 300); also passed to
                            the service as --query-timeout-ms so its own deadline does not cut in
  --max-old-space-size MB   pass --max-old-space-size=MB to the service on the fleet (default: none)
  --fleet-dir DIR           where fleets are written and reused (default: under the OS temp dir)
  --json PATH               also write the figures as JSON to PATH
  --skip-demo, --skip-fleet, --skip-list   leave a part out (--skip-demo: the demo source's
                            throughput case)
  --skip-kube               leave out the two --source kube throughput cases (anonymous and
                            --auth token), which start the e2e suite's kube-apiserver; with
                            --skip-demo too, the throughput part is left out
  --service-log-level L     the service's --log-level (default info, as deployed; logs go to a file)
`;

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      scale: { type: 'string' },
      seed: { type: 'string' },
      rounds: { type: 'string' },
      'round-seconds': { type: 'string' },
      connections: { type: 'string' },
      'fleet-load-seconds': { type: 'string' },
      'start-timeout': { type: 'string' },
      'query-timeout': { type: 'string' },
      'max-old-space-size': { type: 'string' },
      'fleet-dir': { type: 'string' },
      json: { type: 'string' },
      'skip-demo': { type: 'boolean' },
      'skip-fleet': { type: 'boolean' },
      'skip-list': { type: 'boolean' },
      'skip-kube': { type: 'boolean' },
      'service-log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const quick = values.quick ?? false;
  const num = (name: string, value: string | undefined, fallback: number, integer = true): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
    return n;
  };
  const scale = num('scale', values.scale, quick ? 0.1 : 1, false);
  return {
    scale,
    seed: num('seed', values.seed, 1),
    rounds: num('rounds', values.rounds, quick ? 3 : 5),
    roundSeconds: num('round-seconds', values['round-seconds'], quick ? 5 : 10),
    warmupSeconds: quick ? 2 : 3,
    connections: num('connections', values.connections, 10),
    fleetLoadSeconds: num('fleet-load-seconds', values['fleet-load-seconds'], quick ? 10 : 30),
    pipelinesRepeat: 3,
    pipelineRepeat: quick ? 20 : 10,
    startTimeoutSeconds: num('start-timeout', values['start-timeout'], quick ? 300 : 900),
    queryTimeoutSeconds: num('query-timeout', values['query-timeout'], 300),
    maxOldSpaceSize: values['max-old-space-size'] === undefined ? null : num('max-old-space-size', values['max-old-space-size'], 0),
    fleetDir: resolve(values['fleet-dir'] ?? join(tmpdir(), 'flux-pipelines-bench')),
    json: values.json ?? null,
    skipDemo: values['skip-demo'] ?? false,
    skipFleet: values['skip-fleet'] ?? false,
    skipList: values['skip-list'] ?? false,
    skipKube: values['skip-kube'] ?? false,
    serviceLogLevel: values['service-log-level'] ?? 'info',
  };
}

// ---------------------------------------------------------------------------------------------
// What is measured

const PIPELINES_QUERY = '{ pipelines { name stages { name releases { name ready version } } } }';
const HELLO = '{ hello }';
const HELLO_ANSWER = '{"data":{"hello":"world"}}';

/** Cheap enough for every response under load; the first answer of each target is checked in full. */
const looksLikePipeline = (body: string) => body.startsWith('{"data":{"pipeline":{"stages":[') && !body.includes('"errors":');

interface Row {
  section: string;
  case: string;
  metric: string;
  /** As printed. */
  value: string;
  /** The number behind it (ms, MiB, req/s, ratio, s), or null when there is none (a failure). */
  figure: number | null;
  unit: string;
  target: string;
}

const rows: Row[] = [];
const say = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
function record(row: Row): void {
  rows.push(row);
  say(`${row.section} | ${row.case} | ${row.metric}: ${row.value}`);
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Running {
  proc: Proc;
  url: string;
  /** Spawn until /readyz answered 200. */
  startMs: number;
}

interface StartFailure {
  proc: Proc;
  reason: string;
}

async function startService(label: string, args: string[], nodeFlags: string[], options: Options, logDir: string): Promise<Running | StartFailure> {
  const port = await freePort();
  const started = performance.now();
  const proc = startNode(
    label,
    [...nodeFlags, 'dist/src/main.js', '--host', '127.0.0.1', '--port', String(port), '--log-level', options.serviceLogLevel, ...args],
    join(logDir, `${label}.log`),
  );
  const url = `http://127.0.0.1:${port}`;
  const ready = await waitReady(proc, url, options.startTimeoutSeconds * 1000, started);
  if (!ready.ok) {
    await proc.stop();
    return { proc, reason: ready.reason };
  }
  return { proc, url, startMs: ready.ms };
}

async function startBare(logDir: string): Promise<Running> {
  const proc = startNode('bare-yoga', ['dist/scripts/bench-bare-yoga.js'], join(logDir, 'bare-yoga.log'));
  const started = performance.now();
  for (;;) {
    const match = /\{"port":(\d+)\}/.exec(proc.logTail());
    if (match) return { proc, url: `http://127.0.0.1:${match[1]}`, startMs: performance.now() - started };
    if (proc.exit()) throw new Error(`the bare Yoga server did not start: ${describeExit(proc)}`);
    if (performance.now() - started > 30_000) throw new Error('the bare Yoga server did not start within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------
// Throughput cases: each is one way of calling the service, measured in alternating rounds
// against bare Yoga in the same run.

interface BenchContext {
  options: Options;
  logDir: string;
}

interface ThroughputCase {
  /** The row label, e.g. "anonymous, demo source". */
  name: string;
  /** Starts what the case needs and returns its load target, or why it cannot run here. */
  setup(ctx: BenchContext): Promise<{ target: LoadTarget; pid: number | null; stop(): Promise<void> } | { skipped: string }>;
}

/** Anyone, no credentials, the built-in demo snapshot: today's service as `npm start` runs it. */
const anonymousDemo: ThroughputCase = {
  name: 'anonymous, demo source',
  async setup({ options, logDir }) {
    const service = await startService('service-demo', ['--source', 'demo'], [], options, logDir);
    if (!('url' in service)) return { skipped: `service: ${service.reason}` };
    record({ section: 'throughput', case: this.name, metric: 'start-up until /readyz 200', value: ms(service.startMs, 0), figure: service.startMs, unit: 'ms', target: '' });
    return {
      target: { url: service.url, queries: [readmeQuery('example-pipeline')], verify: looksLikePipeline },
      pid: service.proc.pid,
      stop: () => service.proc.stop(),
    };
  },
};

/**
 * The same without the result cache (`--result-cache-mb 0`): every request is executed and
 * encoded, so this is what a query that is not a repeat costs.
 */
const uncachedDemo: ThroughputCase = {
  name: 'anonymous, demo source, result cache off',
  async setup({ options, logDir }) {
    const service = await startService('service-demo-uncached', ['--source', 'demo', '--result-cache-mb', '0'], [], options, logDir);
    if (!('url' in service)) return { skipped: `service: ${service.reason}` };
    return {
      target: { url: service.url, queries: [readmeQuery('example-pipeline')], verify: looksLikePipeline },
      pid: service.proc.pid,
      stop: () => service.proc.stop(),
    };
  },
};

/**
 * The e2e suite's API server with the demo applied, started once for the kube cases (the
 * first to need it starts it) and stopped after the throughput part. A failure to start is
 * remembered and becomes every kube case's "not measured" reason.
 */
let benchCluster: Promise<BenchCluster> | null = null;
const kubeCluster = (logDir: string) => (benchCluster ??= startBenchCluster(logDir));
async function stopKubeCluster(): Promise<void> {
  const running = benchCluster;
  benchCluster = null;
  if (running) await running.then((c) => c.stop(), () => undefined);
}

/**
 * A `--source kube` case: the service reading the e2e API server with the deploy/
 * ServiceAccount's rights (its watches synced before /readyz is 200), sent the same query.
 * `token`: with `--auth token` and one user's bearer token, the review caches warmed by the
 * first, checked answer (their 10 s TTL renews under load: one TokenReview and a few
 * SubjectAccessReviews per 10 s, the rest cache hits).
 */
function kubeCase(name: string, auth: 'none' | 'token'): ThroughputCase {
  return {
    name,
    async setup({ options, logDir }) {
      let cluster: BenchCluster;
      try {
        cluster = await kubeCluster(logDir);
      } catch (error) {
        return { skipped: `the e2e API server did not start: ${(error as Error).message.split('\n')[0]}` };
      }
      const label = auth === 'none' ? 'service-kube' : 'service-kube-auth';
      const args = ['--source', 'kube', '--kubeconfig', cluster.serviceKubeconfig, ...(auth === 'token' ? ['--auth', 'token'] : [])];
      const service = await startService(label, args, [], options, logDir);
      if (!('url' in service)) return { skipped: `service: ${service.reason}` };
      record({ section: 'throughput', case: name, metric: 'start-up until /readyz 200', value: ms(service.startMs, 0), figure: service.startMs, unit: 'ms', target: '' });
      return {
        target: {
          url: service.url,
          queries: [readmeQuery('example-pipeline')],
          verify: looksLikePipeline,
          ...(auth === 'token' ? { headers: { authorization: `Bearer ${cluster.userToken}` } } : {}),
        },
        pid: service.proc.pid,
        stop: () => service.proc.stop(),
      };
    },
  };
}

/** Measured in this order, each in its own alternating rounds against bare Yoga. */
const THROUGHPUT_CASES = (options: Options): ThroughputCase[] => [
  ...(options.skipDemo ? [] : [anonymousDemo, uncachedDemo]),
  ...(options.skipKube ? [] : [kubeCase('anonymous, kube source', 'none'), kubeCase('one user, --auth token, kube source', 'token')]),
];

async function throughput(ctx: BenchContext, bare: Running): Promise<void> {
  const { options } = ctx;
  const bareTarget: LoadTarget = { url: bare.url, queries: [HELLO], verify: (b) => b === HELLO_ANSWER };
  const first = await query(bare.url, HELLO, 10_000);
  if (first.problem || JSON.stringify(first.body) !== HELLO_ANSWER) throw new Error(`bare Yoga answered wrongly: ${first.problem ?? JSON.stringify(first.body)}`);

  const ready: { name: string; target: LoadTarget; pid: number | null; stop(): Promise<void> }[] = [];
  for (const c of THROUGHPUT_CASES(options)) {
    const set = await c.setup(ctx);
    if ('skipped' in set) {
      record({ section: 'throughput', case: c.name, metric: 'req/s vs bare Yoga', value: `not measured: ${set.skipped}`, figure: null, unit: '', target: '≥ 0.75' });
      continue;
    }
    const check = await query(set.target.url, set.target.queries[0]!, 10_000, set.target.headers);
    const stages = check.body?.data?.pipeline?.stages;
    if (check.problem || !Array.isArray(stages) || stages.length !== 3) {
      record({ section: 'throughput', case: c.name, metric: 'req/s vs bare Yoga', value: `not measured: wrong answer (${check.problem ?? 'not 3 stages'})`, figure: null, unit: '', target: '≥ 0.75' });
      await set.stop();
      continue;
    }
    ready.push({ name: c.name, ...set });
  }
  try {
    say(`warm-up: ${options.warmupSeconds} s per target`);
    for (const t of [...ready.map((r) => r.target), bareTarget]) await load(t, options.connections, options.warmupSeconds, 30);

    const bareLatencies: number[] = [];
    let bareRequests = 0;
    let bareSeconds = 0;
    // CPU seconds per request, beside req/s: on a shared machine req/s also measures who
    // else wants the cores, while CPU per request is what each server itself spends.
    const cpuDuring = async <T>(pid: number | null, run: () => Promise<T>): Promise<[T, number | null]> => {
      const before = pid === null ? null : cpuSeconds(pid);
      const value = await run();
      const after = pid === null ? null : cpuSeconds(pid);
      return [value, before === null || after === null ? null : after - before];
    };
    /** Per case: its own rounds, and the bare Yoga rounds run right after each of them. */
    interface Tally {
      latencies: number[];
      requests: number;
      seconds: number;
      bad: number;
      cpu: number | null;
      bareRequests: number;
      bareSeconds: number;
      bareCpu: number;
      ratios: number[];
    }
    const tallies = new Map<string, Tally>(
      ready.map((r) => [r.name, { latencies: [], requests: 0, seconds: 0, bad: 0, cpu: 0, bareRequests: 0, bareSeconds: 0, bareCpu: 0, ratios: [] }]),
    );
    // Rounds outside, cases inside (service, bare, next service, bare, …): a busy minute on
    // the shared machine falls on every case alike, so the cases compare within a run.
    for (let round = 1; round <= options.rounds; round++) {
      for (const r of ready) {
        const t = tallies.get(r.name)!;
        const [service, cpuUsed] = await cpuDuring(r.pid, () => load(r.target, options.connections, options.roundSeconds, 30, t.latencies));
        const [base, bareCpuUsed] = await cpuDuring(bare.proc.pid, () => load(bareTarget, options.connections, options.roundSeconds, 30, bareLatencies));
        t.cpu = t.cpu === null || cpuUsed === null ? null : t.cpu + cpuUsed;
        t.bareCpu += bareCpuUsed ?? 0;
        t.requests += service.requests;
        t.seconds += service.seconds;
        t.bad += service.bad;
        t.bareRequests += base.requests;
        t.bareSeconds += base.seconds;
        bareRequests += base.requests;
        bareSeconds += base.seconds;
        const ratio = service.rps / base.rps;
        t.ratios.push(ratio);
        record({
          section: 'throughput',
          case: r.name,
          metric: `round ${round}: service / bare req/s`,
          value: `${service.rps.toFixed(0)} / ${base.rps.toFixed(0)} = ${ratio.toFixed(2)}  (p50 ${ms(service.p50)} / ${ms(base.p50)}, p99 ${ms(service.p99)} / ${ms(base.p99)}${badAnswers(service)}${badAnswers(base).replace(', ', ', bare: ')})`,
          figure: ratio,
          unit: 'ratio',
          target: '≥ 0.75',
        });
      }
    }
    for (const r of ready) {
      const t = tallies.get(r.name)!;
      t.latencies.sort((a, b) => a - b);
      const rps = t.requests / t.seconds;
      record({ section: 'throughput', case: r.name, metric: 'service req/s (all rounds)', value: rps.toFixed(0), figure: rps, unit: 'req/s', target: '' });
      record({ section: 'throughput', case: r.name, metric: 'service p50 / p99 (all rounds)', value: `${ms(percentile(t.latencies, 50))} / ${ms(percentile(t.latencies, 99))}`, figure: percentile(t.latencies, 99), unit: 'ms (p99)', target: '' });
      if (t.cpu !== null && t.requests > 0 && t.bareRequests > 0 && t.bareCpu > 0) {
        const servicePer = (t.cpu / t.requests) * 1000;
        const barePer = (t.bareCpu / t.bareRequests) * 1000;
        cpuPerRequest.set(r.name, servicePer);
        record({
          section: 'throughput',
          case: r.name,
          metric: 'CPU per request: service / bare (bare ÷ service = req/s ratio on a core of its own)',
          value: `${servicePer.toFixed(2)} ms / ${barePer.toFixed(2)} ms → ${(barePer / servicePer).toFixed(2)}`,
          figure: barePer / servicePer,
          unit: 'ratio',
          target: '≥ 0.75',
        });
      }
      if (t.bad > 0) record({ section: 'throughput', case: r.name, metric: 'bad answers under load', value: String(t.bad), figure: t.bad, unit: 'count', target: '0' });
      const overall = rps / (t.bareRequests / t.bareSeconds);
      t.ratios.sort((a, b) => a - b);
      record({
        section: 'throughput',
        case: r.name,
        metric: 'req/s vs bare Yoga, overall',
        value: `${overall.toFixed(2)} (rounds ${t.ratios[0]!.toFixed(2)}–${t.ratios[t.ratios.length - 1]!.toFixed(2)})`,
        figure: overall,
        unit: 'ratio',
        target: '≥ 0.75',
      });
    }
    if (bareSeconds > 0) {
      bareLatencies.sort((a, b) => a - b);
      const rps = bareRequests / bareSeconds;
      record({ section: 'throughput', case: 'bare Yoga { hello }', metric: 'req/s (all rounds)', value: rps.toFixed(0), figure: rps, unit: 'req/s', target: '' });
      record({ section: 'throughput', case: 'bare Yoga { hello }', metric: 'p50 / p99 (all rounds)', value: `${ms(percentile(bareLatencies, 50))} / ${ms(percentile(bareLatencies, 99))}`, figure: percentile(bareLatencies, 99), unit: 'ms (p99)', target: '' });
    }
    authorizedVersusAnonymous();
  } finally {
    for (const r of ready) await r.stop();
    await stopKubeCluster();
  }
}

/** CPU milliseconds the service spent per request, by case (from /proc). */
const cpuPerRequest = new Map<string, number>();

/** The cost of per-user access: the authorized kube case beside the anonymous one, from the rows above. */
function authorizedVersusAnonymous(): void {
  const anonymous = 'anonymous, kube source';
  const authorized = 'one user, --auth token, kube source';
  const rps = (c: string) => rows.find((r) => r.case === c && r.metric === 'service req/s (all rounds)')?.figure ?? null;
  const rpsAuthorized = rps(authorized);
  const rpsAnonymous = rps(anonymous);
  if (rpsAuthorized === null || rpsAnonymous === null) return;
  const cpuAuthorized = cpuPerRequest.get(authorized);
  const cpuAnonymous = cpuPerRequest.get(anonymous);
  const cpuPart = cpuAuthorized !== undefined && cpuAnonymous !== undefined ? `; CPU per request ${cpuAuthorized.toFixed(2)} / ${cpuAnonymous.toFixed(2)} ms = ${(cpuAuthorized / cpuAnonymous).toFixed(2)}` : '';
  const ratio = rpsAuthorized / rpsAnonymous;
  record({ section: 'throughput', case: 'authorized vs anonymous (kube)', metric: 'req/s authorized / anonymous', value: `${rpsAuthorized.toFixed(0)} / ${rpsAnonymous.toFixed(0)} = ${ratio.toFixed(2)}${cpuPart}`, figure: ratio, unit: 'ratio', target: '' });
}

// ---------------------------------------------------------------------------------------------
// The fleet

async function ensureFleet(dir: string, options: Options, list: boolean): Promise<FleetSummary> {
  const fleetOptions = { scale: options.scale, seed: options.seed, list };
  const existing = await existingFleet(dir, fleetOptions);
  if (existing) {
    say(`fleet: reusing ${existing.objects} objects in ${existing.source}`);
    return existing;
  }
  say(`fleet: writing ${pipelineCount(options.scale)} pipelines${list ? ' as one kind: List file' : ''} to ${dir}`);
  const started = performance.now();
  const summary = writeFleet(dir, fleetOptions);
  say(`fleet: ${summary.objects} objects, ${(summary.bytes / 1048576).toFixed(0)} MiB in ${summary.files} file(s), written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return summary;
}

const seconds = (msValue: number) => `${(msValue / 1000).toFixed(1)} s`;
const cpu = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)} s`);
const mib = (value: number | null) => (value === null ? '—' : `${value.toFixed(0)} MiB`);

/** Counts what a `pipelines` answer holds, to check it is the whole fleet. */
function countPipelines(body: any): { pipelines: number; releases: number } {
  const list = body?.data?.pipelines;
  if (!Array.isArray(list)) return { pipelines: 0, releases: 0 };
  let releases = 0;
  for (const p of list) for (const s of p?.stages ?? []) releases += Array.isArray(s?.releases) ? s.releases.length : 0;
  return { pipelines: list.length, releases };
}

function checkOnePipeline(body: any, releasesPerPipeline: number): string | null {
  const stages = body?.data?.pipeline?.stages;
  if (!Array.isArray(stages) || stages.length !== 5) return 'not 5 stages';
  const releases = stages.flatMap((s: any) => s?.releases ?? []);
  if (releases.length !== releasesPerPipeline) return `${releases.length} releases, expected ${releasesPerPipeline}`;
  if (releases.some((r: any) => !Array.isArray(r?.workloads) || r.workloads.length !== 1)) return 'a release without its Deployment';
  return null;
}

async function fleet(ctx: BenchContext, bare: Running | null): Promise<void> {
  const { options, logDir } = ctx;
  const section = `fleet ×${options.scale}`;
  const summary = await ensureFleet(join(options.fleetDir, `fleet-${options.scale}-${options.seed}`), options, false);
  const what = `${summary.pipelines} pipelines, ${summary.objects} objects`;
  record({ section, case: what, metric: 'snapshot', value: `${summary.files} files, ${(summary.bytes / 1048576).toFixed(0)} MiB`, figure: summary.bytes / 1048576, unit: 'MiB', target: '' });
  const nodeFlags = options.maxOldSpaceSize === null ? [] : [`--max-old-space-size=${options.maxOldSpaceSize}`];
  const heap = options.maxOldSpaceSize === null ? '' : ` (--max-old-space-size=${options.maxOldSpaceSize})`;
  const serviceArgs = ['--source', summary.source, '--query-timeout-ms', String(options.queryTimeoutSeconds * 1000)];
  const timeoutMs = options.queryTimeoutSeconds * 1000;

  say(`fleet: starting the service on ${summary.source}${heap}`);
  const service = await startService('service-fleet', serviceArgs, nodeFlags, options, logDir);
  if (!('url' in service)) {
    record({ section, case: what, metric: `start-up until /readyz 200${heap}`, value: service.reason, figure: null, unit: 's', target: '≤ 10 s' });
    return;
  }
  try {
    record({ section, case: what, metric: `start-up until /readyz 200${heap}`, value: `${seconds(service.startMs)} (service CPU ${cpu(cpuSeconds(service.proc.pid))})`, figure: service.startMs / 1000, unit: 's', target: '≤ 10 s' });
    const rssStart = rssMiB(service.proc.pid);
    record({ section, case: what, metric: 'RSS after start', value: mib(rssStart), figure: rssStart, unit: 'MiB', target: '≤ 512 MiB' });

    // Cold: the very first one-pipeline answer after start, before anything has been decoded or cached.
    const middle = pipelineName(Math.floor(summary.pipelines / 2));
    const coldOne = await timeOnePipeline(service.url, middle, timeoutMs);
    record({ section, case: what, metric: `one pipeline, README fields (${middle}), cold: first after start`, value: coldOne.value, figure: coldOne.ms, unit: 'ms', target: '< 5 ms' });

    // One pipeline at a time, each asked for the first time: a document never seen before (the
    // name is written into the query), releases and workloads never decoded, no cached answer.
    // What a first look at a pipeline costs soon after start. Pipelines 1, 3, 5, …: none of them
    // is asked for elsewhere in the bench before the `pipelines` over all below.
    const early = await firstLooks(service.url, Array.from({ length: options.pipelineRepeat }, (_, i) => pipelineName((1 + 2 * i) % summary.pipelines)), timeoutMs);
    record({ section, case: what, metric: 'one pipeline, README fields, each asked for the first time (nothing decoded or cached)', ...early, unit: 'ms', target: '< 5 ms' });

    // pipelines over all: every pipeline, stage and release must be in the answer.
    const runs: number[] = [];
    let failure: string | null = null;
    const cpuBefore = cpuSeconds(service.proc.pid);
    for (let i = 0; i < options.pipelinesRepeat && !failure; i++) {
      const outcome = await query(service.url, PIPELINES_QUERY, timeoutMs);
      const counted = countPipelines(outcome.body);
      if (outcome.problem) failure = `${outcome.problem} after ${seconds(outcome.ms)}`;
      else if (counted.pipelines !== summary.pipelines || counted.releases !== summary.releases) failure = `incomplete: ${counted.pipelines} pipelines, ${counted.releases} releases`;
      else runs.push(outcome.ms);
      say(`fleet: pipelines ${i + 1}/${options.pipelinesRepeat}: ${failure ?? ms(outcome.ms, 0)}`);
      if (proc_gone(service.proc)) failure = describeExit(service.proc);
    }
    const cpuAfter = cpuSeconds(service.proc.pid);
    const cpuPerRun = cpuBefore !== null && cpuAfter !== null && runs.length > 0 ? ` (service CPU ${((cpuAfter - cpuBefore) / runs.length).toFixed(2)} s per run)` : '';
    record({
      section,
      case: what,
      // The first is cold (nothing decoded yet); the repeats may be served by the result cache.
      metric: '{ pipelines { name stages { name releases { name ready version } } } }: first after start, then repeated',
      value: failure ?? `first ${ms(runs[0]!, 0)}, then ${runs.slice(1).map((r) => r.toFixed(0)).join(', ')} ms${cpuPerRun}`,
      figure: failure ? null : runs[0]!,
      unit: 'ms',
      target: '< 200 ms',
    });
    if (proc_gone(service.proc)) return;

    // The README's fields for every pipeline at once (every release's workloads and images):
    // validation prices a listing at 20 pipelines, and once let this one build ~23 MB and
    // exhaust the heap. Priced again with the real count, it must be refused, cheaply.
    const heavy = await query(service.url, readmeFieldsOfEveryPipeline(), timeoutMs);
    const heavyCode = heavy.body?.errors?.[0]?.extensions?.code;
    const heavyActual = heavy.body?.errors?.[0]?.extensions?.actual;
    const refused = heavyCode === 'QUERY_TOO_COMPLEX' && heavy.body?.data === null;
    record({
      section,
      case: what,
      metric: 'pipelines with the README fields (every workload and image): refused, the service alive',
      value: proc_gone(service.proc)
        ? describeExit(service.proc)
        : refused
          ? `QUERY_TOO_COMPLEX (complexity ${heavyActual}) in ${ms(heavy.ms)}`
          : `not refused: ${heavy.problem ?? 'answered'} after ${ms(heavy.ms, 0)}`,
      figure: refused && !proc_gone(service.proc) ? heavy.ms : null,
      unit: 'ms',
      target: 'refused',
    });
    if (proc_gone(service.proc)) return;

    // One pipeline, the README's fields, in the middle of the fleet (its first run was the cold one above).
    const name = middle;
    const one: number[] = [];
    failure = null;
    for (let i = 0; i < options.pipelineRepeat && !failure; i++) {
      const outcome = await query(service.url, askReadme(name), timeoutMs);
      const wrong = outcome.problem ?? checkOnePipeline(outcome.body, 50);
      if (wrong) failure = `${wrong} after ${ms(outcome.ms, 0)}`;
      else one.push(outcome.ms);
    }
    const firstOne = one[0];
    one.sort((a, b) => a - b);
    record({
      section,
      case: what,
      metric: `one pipeline, README fields (${name}), sequential`,
      value: failure ?? `p50 ${ms(percentile(one, 50))}, max ${ms(one[one.length - 1])}, first ${ms(firstOne)} (${one.length} runs)`,
      figure: failure ? null : percentile(one, 50),
      unit: 'ms',
      target: '< 5 ms',
    });
    if (proc_gone(service.proc)) return;

    // Uncached: after an object change. Every store write starts a new generation, so the result
    // cache no longer answers; decoded objects that did not change stay decoded, and so do the
    // per-pipeline parts of the answer that read nothing the change touched. The change is a
    // release joining one pipeline (a new labelled HelmRelease in its first stage): that
    // pipeline's part is executed again, and the answer must hold the new release. This is what
    // a `pipelines` costs on a live cluster, where some object changes every few seconds. Three
    // changes, one query each (the change is undone, and the store has dropped it, in between).
    const uncached: number[] = [];
    let uncachedCpu = 0;
    let uncachedFailure: string | null = null;
    for (let i = 0; i < options.pipelinesRepeat && !uncachedFailure; i++) {
      const changed = await afterObjectChange(service.url, summary.source, i, timeoutMs);
      if (typeof changed === 'string') {
        uncachedFailure = `not measured: ${changed}`;
        break;
      }
      try {
        if (i === 0) {
          // Before the big answer below: right after a 4 MB `pipelines`, any query may first wait
          // for the collector to clear it (that pause shows in the p99 under load), which is not
          // what this row is about: what one change costs a single pipeline.
          const other = pipelineName(Math.floor(summary.pipelines / 3));
          const again = await timeOnePipeline(service.url, other, timeoutMs);
          record({ section, case: what, metric: `one pipeline (${other}), cold: first after an object change`, value: again.value, figure: again.ms, unit: 'ms', target: '< 5 ms' });
          // The pipeline asked for before, again after the change (which was elsewhere): the
          // result cache cannot answer (a new generation), its kept part can.
          const asked = await timeOnePipeline(service.url, name, timeoutMs);
          record({ section, case: what, metric: `one pipeline (${name}), asked before: first after an object change elsewhere`, value: asked.value, figure: asked.ms, unit: 'ms', target: '< 5 ms' });
        }
        const cpuStart = cpuSeconds(service.proc.pid);
        const all = await query(service.url, PIPELINES_QUERY, timeoutMs);
        const cpuEnd = cpuSeconds(service.proc.pid);
        const counted = countPipelines(all.body);
        // The release that joined is listed: no part from before the change was served.
        uncachedFailure =
          all.problem ??
          (counted.pipelines !== summary.pipelines || counted.releases !== summary.releases + 1
            ? `not the answer after the change: ${counted.pipelines} pipelines, ${counted.releases} releases (expected ${summary.pipelines}, ${summary.releases + 1})`
            : null);
        if (!uncachedFailure) uncached.push(all.ms);
        if (cpuStart !== null && cpuEnd !== null) uncachedCpu += cpuEnd - cpuStart;
        say(`fleet: pipelines after object change ${i + 1}/${options.pipelinesRepeat}: ${uncachedFailure ?? ms(all.ms, 0)}`);
        if (i === 0 && !uncachedFailure) {
          // The pause the row above leaves out, shown on its own.
          const next = pipelineName(Math.floor((2 * summary.pipelines) / 3));
          const after = await timeOnePipeline(service.url, next, timeoutMs);
          record({ section, case: what, metric: `one pipeline (${next}), first right after that 4 MB pipelines answer`, value: after.value, figure: after.ms, unit: 'ms', target: '' });
        }
      } finally {
        await changed.undo();
      }
    }
    const sortedUncached = [...uncached].sort((a, b) => a - b);
    record({
      section,
      case: what,
      metric: 'pipelines over all, after an object change (a release joins one pipeline)',
      value: uncachedFailure ?? `${ms(percentile(sortedUncached, 50), 0)} median of ${uncached.length} (${uncached.map((r) => r.toFixed(0)).join(', ')} ms; service CPU ${(uncachedCpu / uncached.length).toFixed(2)} s per run)`,
      figure: uncachedFailure ? null : percentile(sortedUncached, 50),
      unit: 'ms',
      target: '< 200 ms',
    });
    if (proc_gone(service.proc)) return;

    // The README query under load, over ten pipelines in turn, then bare Yoga for the same time.
    const names = Array.from({ length: Math.min(10, summary.pipelines) }, (_, i) => pipelineName(Math.floor((i * summary.pipelines) / 10)));
    say(`fleet: README query, ${options.connections} connections, ${options.fleetLoadSeconds} s`);
    const loaded = await load({ url: service.url, queries: names.map(askReadme), verify: looksLikePipeline }, options.connections, options.fleetLoadSeconds, options.queryTimeoutSeconds);
    let base: LoadResult | null = null;
    if (bare) base = await load({ url: bare.url, queries: [HELLO], verify: (b) => b === HELLO_ANSWER }, options.connections, options.fleetLoadSeconds, 30);
    const ratio = base && loaded.p99 !== null && base.p99 ? loaded.p99 / base.p99 : null;
    record({
      section,
      case: what,
      metric: `README query, ${options.connections} connections: req/s, p50 / p99`,
      value: `${loaded.rps.toFixed(1)} req/s, ${ms(loaded.p50)} / ${ms(loaded.p99)}${badAnswers(loaded)}`,
      figure: loaded.p99,
      unit: 'ms (p99)',
      target: '',
    });
    record({
      section,
      case: what,
      metric: 'README query p99 vs bare Yoga p99 (same run)',
      value: base ? `${ms(loaded.p99)} / ${ms(base.p99)} = ${ratio === null ? '—' : `${ratio.toFixed(1)}×`} (bare ${base.rps.toFixed(0)} req/s)` : 'bare Yoga not running',
      figure: ratio,
      unit: 'ratio',
      target: '≤ 1.5×',
    });
    // The same first looks once the process is warm (after the load above): pipelines 2, 4, …, 20,
    // none asked before; their releases were decoded by the `pipelines` over all, their workloads not.
    const warm = await firstLooks(service.url, Array.from({ length: options.pipelineRepeat }, (_, i) => pipelineName((2 + 2 * i) % summary.pipelines)), timeoutMs);
    record({ section, case: what, metric: 'one pipeline, README fields, each asked for the first time, once warm (after the load)', ...warm, unit: 'ms', target: '< 5 ms' });
    // Ten first looks catch whatever state the process is in (cold code after start, the
    // collector's debt after the load). A long run shows what a first look costs on a service
    // that has been answering them for a while: up to 300 pipelines never asked in this run, the
    // first two thirds to settle, the last third measured.
    const unasked = Array.from({ length: summary.pipelines }, (_, i) => pipelineName(i))
      .filter((name) => !askedInThisRun.has(name))
      .slice(0, 300);
    if (unasked.length >= 30) {
      const settle = Math.floor((unasked.length * 2) / 3);
      const settled = await firstLooks(service.url, unasked.slice(0, settle), timeoutMs);
      const steady = settled.figure === null ? settled : await firstLooks(service.url, unasked.slice(settle), timeoutMs, true);
      record({ section, case: what, metric: `one pipeline, README fields, each asked for the first time, after ${settle} other first looks`, ...steady, unit: 'ms', target: '< 5 ms' });
    }
    const rssAfter = rssMiB(service.proc.pid);
    record({ section, case: what, metric: 'RSS after the queries', value: proc_gone(service.proc) ? describeExit(service.proc) : mib(rssAfter), figure: rssAfter, unit: 'MiB', target: '≤ 512 MiB' });
  } finally {
    await service.proc.stop();
  }
}

const proc_gone = (proc: Proc) => proc.exit() !== null;

/** One README query for each of `names` in turn (each a document not seen before): p50, max and every time (or p10/p90 when `summary`). */
async function firstLooks(url: string, names: string[], timeoutMs: number, summary = false): Promise<{ value: string; figure: number | null }> {
  const times: number[] = [];
  for (const name of names) {
    const looked = await timeOnePipeline(url, name, timeoutMs);
    if (looked.ms === null) return { value: `${name}: ${looked.value}`, figure: null };
    times.push(looked.ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const each = summary ? `p10 ${ms(percentile(sorted, 10))}, p90 ${ms(percentile(sorted, 90))}, ${times.length} pipelines` : `${times.length} pipelines: ${times.map((t) => t.toFixed(1)).join(', ')} ms`;
  return { value: `p50 ${ms(percentile(sorted, 50))}, max ${ms(sorted[sorted.length - 1])} (${each})`, figure: percentile(sorted, 50) };
}

/** Every pipeline the fleet part has sent the README query for: a first look must be a pipeline not among them. */
const askedInThisRun = new Set<string>();

/** The README query for `name`, noted as asked. */
function askReadme(name: string): string {
  askedInThisRun.add(name);
  return readmeQuery(name);
}

async function timeOnePipeline(url: string, name: string, timeoutMs: number): Promise<{ ms: number | null; value: string }> {
  const outcome = await query(url, askReadme(name), timeoutMs);
  const wrong = outcome.problem ?? checkOnePipeline(outcome.body, 50);
  return wrong ? { ms: null, value: `${wrong} after ${ms(outcome.ms, 0)}` } : { ms: outcome.ms, value: ms(outcome.ms) };
}

const STORE_HELMRELEASES = /^flux_pipelines_store_objects\{kind="HelmRelease"\} (\d+)/m;

async function storeHelmReleases(url: string): Promise<number | null> {
  try {
    const match = STORE_HELMRELEASES.exec(await (await fetch(`${url}/metrics`)).text());
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Changes the store the way an edit does: one more file in the watched fleet directory, holding a
 * HelmRelease labelled for pipeline `which` in its first stage's namespace (the release joins that
 * pipeline), and waits until the store holds it (/metrics). undo() deletes the file again, so a
 * reused fleet stays as written.
 */
async function afterObjectChange(url: string, dir: string, which: number, timeoutMs: number): Promise<{ undo(): Promise<void> } | string> {
  const before = await storeHelmReleases(url);
  if (before === null) return 'no store figures at /metrics';
  const file = join(dir, 'zz-bench-object-change.yaml');
  const pipeline = pipelineName(which);
  writeFileSync(
    file,
    [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      `  name: ${pipeline}-joined-by-bench`,
      `  namespace: ${stageNamespace(which, STAGES[0])}`,
      '  labels:',
      `    pipelines.wego.weave.works/name: ${pipeline}`,
      'spec:',
      '  interval: 5m',
      '  chart:',
      '    spec:',
      '      chart: joined',
      '      version: "1.0.0"',
      '      sourceRef: { kind: HelmRepository, name: charts, namespace: flux-system }',
      '',
    ].join('\n'),
  );
  const undo = async () => {
    rmSync(file, { force: true });
    const until = performance.now() + timeoutMs;
    while (performance.now() < until && ((await storeHelmReleases(url)) ?? before) > before) await new Promise((r) => setTimeout(r, 50));
  };
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (((await storeHelmReleases(url)) ?? before) > before) return { undo };
    await new Promise((r) => setTimeout(r, 50));
  }
  await undo();
  return 'the store did not take the change in time';
}

/** The same fleet as one `kubectl get -o yaml` style file: served or refused, and how fast. */
async function fleetAsList(ctx: BenchContext): Promise<void> {
  const { options, logDir } = ctx;
  const section = `fleet ×${options.scale}`;
  const summary = await ensureFleet(join(options.fleetDir, `fleet-${options.scale}-${options.seed}-list`), options, true);
  const what = `one kind: List file, ${(summary.bytes / 1048576).toFixed(0)} MiB`;
  const nodeFlags = options.maxOldSpaceSize === null ? [] : [`--max-old-space-size=${options.maxOldSpaceSize}`];
  const service = await startService('service-fleet-list', ['--source', summary.source], nodeFlags, options, logDir);
  if (!('url' in service)) {
    // A refusal is the service's own message naming the file; keep just the reason.
    const reason = service.reason.replace(/^exited 1: flux-pipelines-api: \S+: /, 'refused: ');
    record({ section, case: what, metric: 'start-up until /readyz 200', value: reason, figure: null, unit: 's', target: 'served' });
    return;
  }
  try {
    record({ section, case: what, metric: 'start-up until /readyz 200', value: `${seconds(service.startMs)} (service CPU ${cpu(cpuSeconds(service.proc.pid))})`, figure: service.startMs / 1000, unit: 's', target: 'served' });
    const rss = rssMiB(service.proc.pid);
    record({ section, case: what, metric: 'RSS after start', value: mib(rss), figure: rss, unit: 'MiB', target: '≤ 512 MiB' });
  } finally {
    await service.proc.stop();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    process.stdout.write(USAGE);
    return;
  }
  const began = performance.now();
  const date = new Date().toISOString();
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryMiB: Math.round(totalmem() / 1048576),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
  const logDir = join(options.fleetDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  say(`bench: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}; service logs in ${logDir}`);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      for (const child of children) child.kill('SIGKILL');
      process.stderr.write(`bench: interrupted (${signal}); child processes stopped\n`);
      process.exit(130);
    });
  }
  const ctx: BenchContext = { options, logDir };
  const bare = await startBare(logDir);
  const failures: string[] = [];
  try {
    // One part failing (a crash of the bench itself, not of the service) must not lose the others' figures.
    const part = async (name: string, run: () => Promise<void>) => {
      try {
        await run();
      } catch (error) {
        failures.push(`${name}: ${(error as Error).stack ?? String(error)}`);
        record({ section: name, case: '', metric: 'bench error', value: (error as Error).message, figure: null, unit: '', target: '' });
      }
    };
    if (THROUGHPUT_CASES(options).length > 0) await part('throughput', () => throughput(ctx, bare));
    if (!options.skipFleet) await part(`fleet ×${options.scale}`, () => fleet(ctx, bare));
    if (!options.skipList) await part(`fleet ×${options.scale} list`, () => fleetAsList(ctx));
  } finally {
    await bare.proc.stop();
  }

  const durationSeconds = (performance.now() - began) / 1000;
  const loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
  const out = [
    '',
    `flux-pipelines-api bench, ${date}: ${machine.cores} cores (${machine.cpu}), ${machine.memoryMiB} MiB, Node ${machine.node}, ${machine.platform}`,
    `load average ${machine.loadAverageAtStart.join(' ')} at start, ${loadAverageAtEnd.join(' ')} at end; ${options.connections} connections; run took ${durationSeconds.toFixed(0)} s`,
    'A shared 2-core machine is noisy: compare the ratios within this run, not absolute figures across runs.',
    '',
    table(
      ['section', 'case', 'metric', 'measured', 'target'],
      rows.map((r) => [r.section, r.case, r.metric, r.value, r.target]),
    ),
    '',
  ].join('\n');
  process.stdout.write(out);
  if (options.json) {
    writeFileSync(options.json, JSON.stringify({ date, machine: { ...machine, loadAverageAtEnd }, options, durationSeconds, rows }, null, 2) + '\n');
    process.stdout.write(`figures written to ${options.json}\n`);
  }
  if (failures.length > 0) {
    process.stderr.write(`\nthe bench itself failed in part:\n${failures.join('\n')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
