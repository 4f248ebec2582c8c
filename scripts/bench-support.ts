/**
 * The parts of `npm run bench` that are not figures: child processes, readiness, one
 * GraphQL request, a load round with autocannon, percentiles, the table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/** The repository root, from dist/scripts/ (built) as from scripts/ (never run unbuilt, but harmless). */
export const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/scripts/') ? '../../' : '../', import.meta.url));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free loopback port (closed again before the child takes it; a race we accept in a benchmark). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Every child still running, so an interrupted bench can stop them. */
export const children = new Set<ChildProcess>();

export interface Proc {
  label: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** null while running; how it ended otherwise. */
  exit: () => { code: number | null; signal: NodeJS.Signals | null } | null;
  /** The last bytes the process wrote (stdout and stderr go to one log file). */
  logTail: (bytes?: number) => string;
  stop: () => Promise<void>;
}

/**
 * Starts `node <args>` with stdout and stderr going to a file: the service logs a line per
 * request, and piping that through the bench process would make the bench's own event
 * loop (which also drives autocannon) part of what is measured.
 *
 * Both servers run with NODE_ENV=production unless the caller set NODE_ENV, as the image
 * runs the service (Dockerfile): graphql-js checks every `instanceof` of its own types in
 * other modes, which was a tenth of a large `pipelines` answer's CPU.
 */
export function startNode(label: string, nodeArgs: string[], logFile: string): Proc {
  const fd = openSync(logFile, 'w');
  const env = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' };
  const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  let ended: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = once(child, 'exit').then(([code, signal]) => {
    ended = { code: code as number | null, signal: signal as NodeJS.Signals | null };
    children.delete(child);
  });
  return {
    label,
    child,
    pid: child.pid ?? -1,
    logFile,
    exit: () => ended,
    logTail: (bytes = 2000) => {
      try {
        const text = readFileSync(logFile, 'utf8');
        return text.slice(-bytes);
      } catch {
        return '';
      }
    },
    stop: async () => {
      if (ended) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** VmRSS of a process in MiB, from /proc (Linux), or null when it is gone or /proc is absent. */
export function rssMiB(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat, or null.
 * On a shared machine wall-clock time includes waiting for a core; CPU time does not.
 * Linux reports it in USER_HZ ticks, 100 per second on every mainstream kernel build.
 */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Why a process that should be running is not, in a few words for the table. */
export function describeExit(proc: Proc): string {
  const ended = proc.exit();
  if (!ended) return 'running';
  const tail = proc.logTail(4000);
  if (/heap out of memory|Reached heap limit|ERR_STRING_TOO_LONG|Invalid string length/.test(tail)) {
    return `out of memory (exit ${ended.code ?? ended.signal})`;
  }
  const lastLine = tail.trim().split('\n').filter((l) => l.trim() !== '').pop() ?? '';
  return `exited ${ended.code ?? ended.signal}: ${lastLine.slice(0, 300)}`;
}

export type Readiness = { ok: true; ms: number } | { ok: false; reason: string };

/** Polls GET /readyz until it answers 200, the process exits, or the time is up. */
export async function waitReady(proc: Proc, url: string, timeoutMs: number, startedAt: number): Promise<Readiness> {
  const deadline = startedAt + timeoutMs;
  for (;;) {
    if (proc.exit()) return { ok: false, reason: describeExit(proc) };
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      if (response.status === 200) return { ok: true, ms: performance.now() - startedAt };
    } catch {
      // Not listening yet (the snapshot loads before the port opens).
    }
    if (performance.now() > deadline) return { ok: false, reason: `did not start within ${Math.round(timeoutMs / 1000)} s` };
    await sleep(100);
  }
}

export interface QueryOutcome {
  ms: number;
  status: number | null;
  body: any;
  /** What went wrong, in a few words; null when the answer has data and no errors. */
  problem: string | null;
}

/** One GraphQL POST, timed from send to the last byte of the answer. */
export async function query(url: string, text: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<QueryOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: text }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const raw = await response.text();
    const ms = performance.now() - started;
    let body: any = null;
    try {
      body = JSON.parse(raw);
    } catch {
      return { ms, status: response.status, body: null, problem: `HTTP ${response.status}, not JSON` };
    }
    const codes = Array.isArray(body?.errors) ? [...new Set(body.errors.map((e: any) => e?.extensions?.code ?? 'no code'))] : [];
    const problem = response.status !== 200 ? `HTTP ${response.status} ${codes.join(',')}` : codes.length > 0 ? `errors: ${codes.join(',')}` : null;
    return { ms, status: response.status, body, problem };
  } catch (error) {
    const ms = performance.now() - started;
    const name = (error as Error).name;
    return { ms, status: null, body: null, problem: name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : `request failed: ${(error as Error).message}` };
  }
}

export interface LoadResult {
  seconds: number;
  requests: number;
  rps: number;
  p50: number | null;
  p99: number | null;
  /** Answers that were not HTTP 2xx, failed the body check, or never came. */
  bad: number;
  /** What the bad ones were, counted by kind (error message, HTTP status, or the start of a wrong body). */
  badKinds: Record<string, number>;
}

/** p in [0, 100] of an ascending array, nearest rank; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface LoadTarget {
  url: string;
  headers?: Record<string, string>;
  /** GraphQL documents sent in turn on each connection. */
  queries: string[];
  /** True when an answer body is right (checked on every response). */
  verify: (body: string) => boolean;
}

/**
 * Closed-loop load: `connections` connections, each sending its next request when the
 * last one is answered, for `seconds`. Latencies are taken per response, so rounds can
 * be pooled for overall percentiles. `latencies` receives them when given.
 */
export async function load(target: LoadTarget, connections: number, seconds: number, timeoutSeconds: number, latencies?: number[]): Promise<LoadResult> {
  const own: number[] = [];
  const badKinds: Record<string, number> = {};
  const count = (kind: string) => (badKinds[kind] = (badKinds[kind] ?? 0) + 1);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${target.url}/graphql`,
        connections,
        duration: seconds,
        timeout: timeoutSeconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        requests: target.queries.map((q) => ({ method: 'POST', path: '/graphql', body: JSON.stringify({ query: q }) })),
        verifyBody: (body) => target.verify(String(body)),
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      own.push(responseTime);
      if (status < 200 || status > 299) count(`HTTP ${status}`);
    });
    // Both are emitted by autocannon 9 but missing from its type definitions.
    const events = instance as unknown as NodeJS.EventEmitter;
    events.on('reqError', (error: Error) => count(`error: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    events.on('reqMismatch', (body: unknown) => count(`wrong body: ${String(body).slice(0, 80)}`));
  });
  own.sort((a, b) => a - b);
  latencies?.push(...own);
  const requests = result.requests.total;
  // autocannon counts a timeout among its errors too, so timeouts are not added again.
  const bad = result.non2xx + result.mismatches + result.errors;
  return { seconds: result.duration, requests, rps: requests / result.duration, p50: percentile(own, 50), p99: percentile(own, 99), bad, badKinds };
}

/** ", 4 bad answers (error: ECONNRESET ×4)", or '' when all were right. */
export function badAnswers(result: LoadResult): string {
  if (result.bad === 0) return '';
  const kinds = Object.entries(result.badKinds).map(([kind, n]) => `${kind} ×${n}`).join('; ');
  return `, ${result.bad} bad answers (${kinds || 'autocannon gave no reason'})`;
}

export const ms = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined ? '—' : `${value.toFixed(digits)} ms`);

/** A plain, aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The e2e suite's API server, for the `--source kube` cases

/** What the kube cases need from the cluster: the service's kubeconfig and one user's token. */
export interface BenchCluster {
  server: string;
  /** A kubeconfig for the service's own ServiceAccount (deploy/), as it runs in a cluster. */
  serviceKubeconfig: string;
  /** A token of the ServiceAccount `bench-user`, which may read the demo's namespaces. */
  userToken: string;
  stop(): Promise<void>;
}

interface HarnessCluster {
  server: string;
  kubectl(args: string[], opts?: { input?: string }): Promise<{ code: number | null; stdout: string; stderr: string }>;
  writeKubeconfig(path: string, token: string): Promise<void>;
  fluxCrdPaths: string[];
  stop(): Promise<void>;
}

/**
 * Loads a TypeScript module of the e2e harness from its source, with vite (a dev
 * dependency already), so the harness finds its build script and the demo by their real
 * paths. Not imported statically: the service's image is built without test/.
 */
async function harnessModule<T>(path: string): Promise<T> {
  const vite = await import('vite');
  const { module } = await vite.runnerImport<T>(join(ROOT, path), { configFile: false, root: ROOT, logLevel: 'silent' });
  return module;
}

const USER = 'bench-user';
const USER_NAMESPACE = 'flux-pipelines';

/**
 * Starts the e2e suite's kube-apiserver and etcd (binaries from its cache,
 * ~/.cache/flux-pipelines-api/e2e/), installs the Flux CRDs, applies the demo as the e2e
 * suite does, the service's deploy/ manifests (its ServiceAccount, reader and reviews
 * ClusterRoles), and a ServiceAccount `bench-user` bound to the reader role in the demo's
 * namespaces. Rejects with the reason when any step fails; the cluster is then stopped.
 */
export async function startBenchCluster(dir: string): Promise<BenchCluster> {
  const { startTestCluster } = await harnessModule<{ startTestCluster(): Promise<HarnessCluster> }>('test/e2e/harness/cluster.ts');
  const { installCrds } = await harnessModule<{ installCrds(c: HarnessCluster, paths: string[]): Promise<string[]> }>('test/e2e/harness/crds.ts');
  const { loadDemo } = await harnessModule<{ loadDemo(c: HarnessCluster): Promise<void> }>('test/e2e/support/demo-cluster.ts');
  const cluster = await startTestCluster();
  try {
    const must = async (args: string[], input?: string) => {
      const result = await cluster.kubectl(args, { input });
      if (result.code !== 0) throw new Error(`kubectl ${args.slice(0, 3).join(' ')}: ${(result.stderr || result.stdout).trim()}`);
      return result.stdout.trim();
    };
    await installCrds(cluster, cluster.fluxCrdPaths);
    await loadDemo(cluster);
    await must(['apply', '--server-side', '--field-manager=bench', '-k', join(ROOT, 'deploy')]);
    await must(['create', 'serviceaccount', USER, '-n', USER_NAMESPACE]);
    for (const namespace of ['flux-system', 'dev', 'staging', 'prod']) {
      await must(['create', 'rolebinding', USER, '-n', namespace, '--clusterrole=flux-pipelines-api-reader', `--serviceaccount=${USER_NAMESPACE}:${USER}`]);
    }
    const serviceToken = await must(['create', 'token', 'flux-pipelines-api', '-n', USER_NAMESPACE, '--duration=2h']);
    const userToken = await must(['create', 'token', USER, '-n', USER_NAMESPACE, '--duration=2h']);
    const serviceKubeconfig = join(dir, 'bench-service.kubeconfig');
    await cluster.writeKubeconfig(serviceKubeconfig, serviceToken);
    return { server: cluster.server, serviceKubeconfig, userToken, stop: () => cluster.stop() };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
