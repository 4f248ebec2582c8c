// Per-user access on the real API server: the built service with --auth token (and
// --auth proxy), TokenReview and SubjectAccessReview made with the deploy/ ServiceAccount's
// own credentials, and two teams whose RoleBindings cover different stage namespaces.
import { sign } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_PIPELINES_QUERY, DEMO_PIPELINES, PIPELINE_QUERY } from '../queries/demo-expectations.js';
import { startServer, type RunningServer } from '../support/processes.js';
import { sseReader, type SseEvent } from '../support/sse.js';
import { useSharedCluster } from './harness/shared-cluster.js';
import { loadDemo, ROOT } from './support/demo-cluster.js';

const cluster = useSharedCluster();
const NS = 'flux-pipelines';
/** Short, so revocation is seen quickly; the default is 10 s. */
const TTL_MS = 2_000;
const TEAMS = {
  'team-a': ['flux-system', 'dev', 'staging'],
  'team-b': ['flux-system', 'prod'],
} as const;
type Team = keyof typeof TEAMS;
/** A CM pipeline only team-b may see, in a namespace only team-b may read. */
const TEAM_B_PIPELINE = { name: 'team-b-pipeline', namespace: 'prod' };

let dir: string;
let server: RunningServer;
const others: RunningServer[] = [];
const tokens: Record<string, string> = {};

async function must(args: string[], input?: string): Promise<string> {
  const result = await cluster.kubectl(args, { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

const token = (serviceAccount: string) => must(['create', 'token', serviceAccount, '-n', NS, '--duration=1h']);

function bindTeam(team: Team, namespace: string): Promise<string> {
  return must(['create', 'rolebinding', `${team}-read`, '-n', namespace, '--clusterrole=flux-pipelines-api-reader', `--serviceaccount=${NS}:${team}`]);
}

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[] };
}

async function ask(url: string, document: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: document, variables }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** PIPELINE_QUERY as a subscription: the same fields, live. */
const PIPELINE_SUBSCRIPTION = PIPELINE_QUERY.replace(/^query Pipeline/, 'subscription Pipeline');

/** An open subscription over SSE (graphql-sse, distinct connections), read one event at a time. */
interface Stream {
  /** The next event, or null when the server ended the response; throws past `withinMs`. */
  next(withinMs: number): Promise<SseEvent | null>;
  close(): void;
}

async function subscribe(url: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<Stream> {
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query: PIPELINE_SUBSCRIPTION, variables }),
    signal: controller.signal,
  });
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) throw new Error(`not a stream: ${response.status} ${await response.text()}`);
  const events = sseReader(response);
  let pending: Promise<SseEvent | null> | null = null;
  return {
    async next(withinMs) {
      // A read that timed out stays pending and answers the next call: no event is lost.
      pending ??= events.next();
      let timer: NodeJS.Timeout | undefined;
      const ceiling = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), withinMs)));
      const result = await Promise.race([pending, ceiling]);
      clearTimeout(timer);
      if (result === 'timeout') throw new Error(`no event within ${withinMs} ms`);
      pending = null;
      return result;
    },
    close: () => controller.abort(),
  };
}

/**
 * A ServiceAccount token the API server issued, with its claims changed and signed again
 * with the cluster's service-account key.
 */
async function resigned(issued: string, change: (claims: Record<string, any>) => void): Promise<string> {
  const [header, payload] = issued.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  change(claims);
  const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const key = await readFile(join(cluster.tempDir, 'pki', 'sa.key'), 'utf8');
  return `${body}.${sign('sha256', Buffer.from(body), key).toString('base64url')}`;
}

// --- What each team must see, derived from the full answer (the service account's own view) ---

interface Query {
  label: string;
  document: string;
  variables: Record<string, unknown>;
}

const QUERIES: Query[] = [
  ...DEMO_PIPELINES.map((p) => ({ label: `${p.approach} ${p.name}`, document: PIPELINE_QUERY, variables: { approach: p.approach, name: p.name } })),
  { label: 'pipelines', document: ALL_PIPELINES_QUERY, variables: {} },
  { label: 'pipelines CM', document: ALL_PIPELINES_QUERY, variables: { approach: 'CM' } },
  { label: 'team-b pipeline', document: PIPELINE_QUERY, variables: { approach: 'CM', ...TEAM_B_PIPELINE } },
];

interface Expected {
  data: any;
  /** "path code namespace", sorted. */
  errors: string[];
}

/**
 * A team's answer, from the full one: pipelines defined where the team may not read are
 * left out of lists (and FORBIDDEN when asked for by name); a stage in a namespace it may
 * not read has its releases null (HYBRID, CM, STAGE: the stage's read) or each release
 * null (CRD: each ref's read), with FORBIDDEN at that path.
 */
function expectedFor(team: Team, query: Query, full: any): Expected {
  const readable = new Set<string>(TEAMS[team]);
  const errors: string[] = [];
  const forbidden = (path: (string | number)[], namespace: string) => errors.push(`${path.join('.')} FORBIDDEN ${namespace}`);
  const pipeline = (p: any, path: (string | number)[]) => ({
    ...p,
    stages: p.stages.map((stage: any, i: number) => {
      const namespace = stage.namespace ?? stageNamespace(p, i);
      if (readable.has(namespace)) return stage;
      if (p.approach === 'CRD') {
        stage.releases.forEach((_: unknown, j: number) => forbidden([...path, 'stages', i, 'releases', j], namespace));
        return { ...stage, releases: stage.releases.map(() => null) };
      }
      forbidden([...path, 'stages', i, 'releases'], namespace);
      return { ...stage, releases: null };
    }),
  });
  if ('pipelines' in full) {
    const visible = full.pipelines.filter((p: any) => readable.has(p.namespace));
    return { data: { pipelines: visible.map((p: any, i: number) => pipeline(p, ['pipelines', i])) }, errors: errors.sort() };
  }
  if (!readable.has(full.pipeline.namespace)) {
    forbidden(['pipeline'], full.pipeline.namespace);
    return { data: { pipeline: null }, errors };
  }
  return { data: { pipeline: pipeline(full.pipeline, ['pipeline']) }, errors: errors.sort() };
}

/** ALL_PIPELINES_QUERY asks for no stage namespace: the demo's stages are dev, staging, prod in order, the team-b pipeline's prod. */
function stageNamespace(p: any, i: number): string {
  return p.name === TEAM_B_PIPELINE.name ? 'prod' : (['dev', 'staging', 'prod'][i] as string);
}

function errorsOf(answer: Answer): string[] {
  return (answer.body.errors ?? []).map((e) => `${(e.path ?? []).join('.')} ${e.extensions?.code} ${e.extensions?.namespace}`).sort();
}

/** Releases, workloads and pipelines in the answer from namespaces the team may not read. */
function crossOvers(team: Team, data: unknown): string[] {
  const readable = new Set<string>(TEAMS[team]);
  const found: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (Array.isArray(value)) return value.forEach((v) => walk(v, key));
    if (!value || typeof value !== 'object') return;
    const object = value as Record<string, unknown>;
    const isObjectOfNamespace = key === 'releases' || key === 'workloads' || key === 'pipelines' || key === 'pipeline';
    if (isObjectOfNamespace && typeof object.namespace === 'string' && !readable.has(object.namespace)) found.push(`${key}:${object.namespace}/${object.name}`);
    for (const [k, v] of Object.entries(object)) walk(v, k);
  };
  walk(data, '');
  return found;
}

const full: Record<string, any> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-auth-'));
  await loadDemo(cluster);
  await must(['apply', '--server-side', '--field-manager=e2e', '-k', `${ROOT}deploy`]);
  for (const team of Object.keys(TEAMS) as Team[]) {
    await must(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: team, namespace: NS } }));
    for (const namespace of TEAMS[team]) await bindTeam(team, namespace);
    tokens[team] = await token(team);
  }
  await must(['create', 'configmap', TEAM_B_PIPELINE.name, '-n', TEAM_B_PIPELINE.namespace, '--from-literal=pipelines=stages:\n  - {name: prod, namespace: prod, order: 1}\n']);
  tokens.service = await token('flux-pipelines-api');
  const kubeconfig = join(dir, 'service.kubeconfig');
  await cluster.writeKubeconfig(kubeconfig, tokens.service);
  server = await startServer(['--source', 'kube', '--kubeconfig', kubeconfig, '--auth', 'token', '--auth-cache-ms', String(TTL_MS), '--log-level', 'trace']);
  // The service account may list everything everywhere: its view is the full answer.
  for (const query of QUERIES) {
    const answer = await ask(server.url, query.document, query.variables, bearer(tokens.service));
    expect(answer.body.errors ?? [], query.label).toEqual([]);
    full[query.label] = answer.body.data;
  }
  expect(full.pipelines.pipelines.length).toBe(5);
}, 300_000);

afterAll(async () => {
  const logs = [server, ...others].filter(Boolean).map((s) => s.stop());
  const output = (await Promise.all(logs)).map((f) => f.stdout + f.stderr).join('\n');
  // Every token any test sent: none may be in any log line of any server.
  expect(output.length).toBeGreaterThan(0);
  for (const [which, t] of Object.entries(tokens)) expect(output.includes(t), `token ${which} in the logs`).toBe(false);
  await cluster.kubectl(['delete', 'configmap', TEAM_B_PIPELINE.name, '-n', TEAM_B_PIPELINE.namespace, '--ignore-not-found']);
  for (const team of Object.keys(TEAMS) as Team[]) {
    for (const namespace of TEAMS[team]) await cluster.kubectl(['delete', 'rolebinding', `${team}-read`, '-n', namespace, '--ignore-not-found']);
    await cluster.kubectl(['delete', 'serviceaccount', team, '-n', NS, '--ignore-not-found']);
  }
}, 120_000);

describe('two teams, one service', () => {
  it('shows each team exactly its namespaces over hundreds of interleaved, concurrent requests: 0 objects cross over', async () => {
    const jobs = Array.from({ length: 320 }, (_, i) => ({ team: (i % 3 === 0 ? 'team-b' : i % 2 ? 'team-a' : 'team-b') as Team, query: QUERIES[(i * 5) % QUERIES.length]! }));
    const mismatches: string[] = [];
    const crossed: string[] = [];
    let objectsSeen = 0;
    let next = 0;
    const started = Date.now();
    // 16 callers at a time; with a 2 s review cache the run also crosses cache expiries.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < jobs.length) {
          const { team, query } = jobs[next++]!;
          const answer = await ask(server.url, query.document, query.variables, bearer(tokens[team]!));
          const expected = expectedFor(team, query, structuredClone(full[query.label]));
          const got = { status: answer.status, data: answer.body.data, errors: errorsOf(answer) };
          if (JSON.stringify(got) !== JSON.stringify({ status: 200, ...expected })) mismatches.push(`${team} ${query.label}: ${JSON.stringify(got).slice(0, 400)}`);
          crossed.push(...crossOvers(team, answer.body.data));
          objectsSeen += JSON.stringify(answer.body.data).split('"namespace"').length - 1;
        }
      }),
    );
    console.log(`auth e2e: ${jobs.length} requests in ${Date.now() - started} ms, ${objectsSeen} namespaced objects seen, ${crossed.length} crossed over`);
    expect(mismatches).toEqual([]);
    expect(crossed).toEqual([]);
    expect(objectsSeen).toBeGreaterThan(1000);
  });

  it('gives each team, through concurrent subscriptions to the same pipelines, only its namespaces in every event: 0 cross over', async () => {
    const pipelineQueries = QUERIES.filter((q) => q.document === PIPELINE_QUERY);
    const streams = await Promise.all(
      (Object.keys(TEAMS) as Team[]).flatMap((team) =>
        pipelineQueries.map(async (query) => ({ team, query, stream: await subscribe(server.url, query.variables, bearer(tokens[team]!)), events: 0 })),
      ),
    );
    const mismatches: string[] = [];
    const crossed: string[] = [];
    const check = (s: (typeof streams)[number], event: SseEvent | null) => {
      s.events++;
      const expected = expectedFor(s.team, s.query, structuredClone(full[s.query.label]));
      const got = { event: event?.event, data: event?.data?.data, errors: errorsOf({ status: 200, headers: new Headers(), body: event?.data ?? {} }) };
      if (JSON.stringify(got) !== JSON.stringify({ event: 'next', ...expected })) mismatches.push(`${s.team} ${s.query.label} event ${s.events}: ${JSON.stringify(got).slice(0, 400)}`);
      crossed.push(...crossOvers(s.team, event?.data?.data));
    };
    try {
      await Promise.all(streams.map(async (s) => check(s, await s.stream.next(30_000))));
      // A pipeline the team may not read at all: its one event was null with FORBIDDEN, and
      // the stream has ended.
      const ended = streams.filter((s) => full[s.query.label].pipeline && expectedFor(s.team, s.query, structuredClone(full[s.query.label])).data.pipeline === null);
      expect(ended.map((s) => `${s.team} ${s.query.label}`)).toEqual(['team-a team-b pipeline']);
      for (const s of ended) expect((await s.stream.next(10_000))?.event).toBe('complete');
      // The streams of pipelines with releases in those namespaces (the team-b pipeline has none).
      const live = streams.filter((s) => !ended.includes(s) && full[s.query.label].pipeline.stages.some((stage: any) => stage.releases.length > 0));
      expect(live.length).toBe(streams.length - 2);
      // Changes to releases in every stage namespace (an annotation: the answers stay the
      // same): each stream is evaluated again and sends an event, which must again hold only
      // what that team may read.
      const ROUNDS = 3;
      for (let round = 1; round <= ROUNDS; round++) {
        for (const namespace of ['dev', 'staging', 'prod']) {
          await must(['annotate', '--overwrite', 'kustomization', namespace, '-n', namespace, `e2e.flux-pipelines/poke=${round}`]);
        }
        await Promise.all(live.map(async (s) => check(s, await s.stream.next(30_000))));
      }
      expect(live.reduce((n, s) => n + s.events, 0)).toBe(live.length * 4);
    } finally {
      for (const s of streams) s.stream.close();
    }
    const events = streams.reduce((n, s) => n + s.events, 0);
    console.log(`auth e2e: ${streams.length} concurrent subscriptions, ${events} events, ${crossed.length} objects crossed over`);
    expect(mismatches).toEqual([]);
    expect(crossed).toEqual([]);
    expect(events).toBeGreaterThan(streams.length * 3);
  });

  it('ends an open subscription on a quiet pipeline with FORBIDDEN once a RoleBinding it needs is deleted', async () => {
    /** Binds again whether or not the test got as far as deleting the binding. */
    const rebind = async (namespace: string) => {
      await cluster.kubectl(['delete', 'rolebinding', 'team-a-read', '-n', namespace, '--ignore-not-found']);
      await bindTeam('team-a', namespace);
    };
    const stream = await subscribe(server.url, { approach: 'HYBRID', name: 'example-pipeline' }, bearer(tokens['team-a']!));
    // Deleted RoleBindings are noticed when the cached review ends (TTL) and the stream's
    // next re-check runs (at most one TTL later): the ceiling allows both, plus a margin.
    const CEILING_MS = 2 * TTL_MS + 5_000;
    try {
      const first = (await stream.next(30_000))!;
      expect(first.data.data.pipeline.stages[0].releases).not.toBeNull();
      // A stage namespace lost: the next event shows that stage FORBIDDEN, and the stream goes on.
      await must(['delete', 'rolebinding', 'team-a-read', '-n', 'dev']);
      const devDeletedAt = Date.now();
      // Another change to the pipeline's objects (a late watch event of an earlier test) may
      // still send an event before the revocation is noticed: it holds what team-a could read
      // until then. The first event without dev's releases must come within the ceiling.
      let next = (await stream.next(CEILING_MS))!;
      while (next?.event === 'next' && next.data.data?.pipeline?.stages?.[0]?.releases && Date.now() - devDeletedAt < CEILING_MS) {
        next = (await stream.next(Math.max(1, CEILING_MS - (Date.now() - devDeletedAt))))!;
      }
      const devTook = Date.now() - devDeletedAt;
      expect(next.event).toBe('next');
      expect(next.data.data.pipeline.stages[0].releases).toBeNull();
      expect(errorsOf({ status: 200, headers: new Headers(), body: next.data })).toEqual(['pipeline.stages.0.releases FORBIDDEN dev', 'pipeline.stages.2.releases FORBIDDEN prod']);
      // The pipeline's own namespace lost: a last event, null with FORBIDDEN, then the end.
      await must(['delete', 'rolebinding', 'team-a-read', '-n', 'flux-system']);
      const deletedAt = Date.now();
      const last = (await stream.next(CEILING_MS))!;
      const took = Date.now() - deletedAt;
      expect(last.event).toBe('next');
      expect(last.data.data).toEqual({ pipeline: null });
      expect(last.data.errors.map((e: any) => `${e.extensions.code} ${e.extensions.namespace}`)).toEqual(['FORBIDDEN flux-system']);
      expect((await stream.next(10_000))?.event).toBe('complete');
      console.log(`auth e2e: subscription showed dev FORBIDDEN ${devTook} ms and ended with FORBIDDEN ${took} ms after the RoleBinding was deleted (cache period ${TTL_MS} ms)`);
    } finally {
      stream.close();
      await rebind('dev');
      await rebind('flux-system');
      // The refusals stay cached for one period: wait until team-a reads dev again, as before.
      const since = Date.now();
      for (;;) {
        const answer = await ask(server.url, PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }, bearer(tokens['team-a']!));
        if (answer.body.data?.pipeline?.stages?.[0]?.releases) break;
        expect(Date.now() - since, 'team-a reads again after the RoleBindings are back').toBeLessThan(TTL_MS + 10_000);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  it('answers the same for a pipeline that exists in a namespace the caller may not read and one that does not', async () => {
    const same = { ...bearer(tokens['team-a']!), 'x-request-id': 'no-enumeration' };
    const existing = await ask(server.url, PIPELINE_QUERY, { approach: 'CM', ...TEAM_B_PIPELINE }, same);
    const missing = await ask(server.url, PIPELINE_QUERY, { approach: 'CM', name: 'no-such-pipeline', namespace: TEAM_B_PIPELINE.namespace }, same);
    expect(existing.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(existing.body).toEqual(missing.body);
    expect(existing.status).toBe(missing.status);
    // team-b, who may read prod, is told apart: found and not found.
    const b = await ask(server.url, PIPELINE_QUERY, { approach: 'CM', name: 'no-such-pipeline', namespace: 'prod' }, bearer(tokens['team-b']!));
    expect(b.body.errors?.[0]?.extensions?.code).toBe('PIPELINE_NOT_FOUND');
  });

  it('stops a connected user reading a namespace within the cache period of its RoleBinding being deleted', async () => {
    const readsDev = async () => {
      const answer = await ask(server.url, PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }, bearer(tokens['team-a']!));
      return answer.body.data.pipeline.stages[0].releases !== null;
    };
    expect(await readsDev()).toBe(true);
    await must(['delete', 'rolebinding', 'team-a-read', '-n', 'dev']);
    const deletedAt = Date.now();
    try {
      while (await readsDev()) {
        expect(Date.now() - deletedAt, 'still reading dev well past the cache period').toBeLessThan(TTL_MS + 5_000);
        await new Promise((r) => setTimeout(r, 50));
      }
      const took = Date.now() - deletedAt;
      console.log(`auth e2e: reads of dev stopped ${took} ms after the RoleBinding was deleted (cache period ${TTL_MS} ms)`);
      expect(took).toBeLessThan(TTL_MS + 1_000);
    } finally {
      await bindTeam('team-a', 'dev');
    }
  });
});

describe('tokens that get 401', () => {
  it.each(['no token', 'malformed', 'wrong', 'expired', 'deleted ServiceAccount'])('%s: 401, UNAUTHENTICATED, a Bearer challenge, no data', async (which) => {
    let headers: Record<string, string> = {};
    if (which === 'malformed') headers = { authorization: 'Token abc' };
    if (which === 'wrong') headers = bearer((tokens.wrong = 'not-a-real-token-0123456789'));
    if (which === 'expired') {
      const now = Math.floor(Date.now() / 1000);
      tokens.expired = await resigned(tokens['team-a']!, (claims) => {
        claims.iat = claims.nbf = now - 7200;
        claims.exp = now - 3600;
      });
      // Re-signed unchanged, the same token is accepted: only the expiry differs.
      const current = await resigned(tokens['team-a']!, () => {});
      expect((await ask(server.url, ALL_PIPELINES_QUERY, {}, bearer(current))).status).toBe(200);
      headers = bearer(tokens.expired);
    }
    if (which === 'deleted ServiceAccount') {
      await must(['create', 'serviceaccount', 'auth-short-lived', '-n', NS]);
      await must(['create', 'rolebinding', 'auth-short-lived', '-n', 'flux-system', '--clusterrole=flux-pipelines-api-reader', `--serviceaccount=${NS}:auth-short-lived`]);
      tokens.deleted = await token('auth-short-lived');
      // Never used before its ServiceAccount goes: no cached answer can hide the deletion.
      await must(['delete', 'serviceaccount', 'auth-short-lived', '-n', NS]);
      await must(['delete', 'rolebinding', 'auth-short-lived', '-n', 'flux-system']);
      headers = bearer(tokens.deleted);
    }
    const answer = await ask(server.url, ALL_PIPELINES_QUERY, {}, headers);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('a ServiceAccount deleted while its subscription is open', () => {
  it('ends the subscription with UNAUTHENTICATED, no data', async () => {
    const name = 'auth-sub-short-lived';
    await must(['create', 'serviceaccount', name, '-n', NS]);
    await must(['create', 'rolebinding', name, '-n', 'flux-system', '--clusterrole=flux-pipelines-api-reader', `--serviceaccount=${NS}:${name}`]);
    tokens.subscriber = await token(name);
    const stream = await subscribe(server.url, { approach: 'HYBRID', name: 'example-pipeline' }, bearer(tokens.subscriber));
    try {
      const first = (await stream.next(30_000))!;
      expect(first.data.data.pipeline.name).toBe('example-pipeline');
      await must(['delete', 'serviceaccount', name, '-n', NS]);
      const deletedAt = Date.now();
      // The API server itself keeps accepting a token it accepted recently for 10 s more (its
      // own token cache), then our cached review ends (TTL) and the next re-check (at most one
      // TTL later) asks again: the ceiling allows all three, plus a margin.
      const last = (await stream.next(10_000 + 2 * TTL_MS + 5_000))!;
      const took = Date.now() - deletedAt;
      expect(last.data.data).toEqual({ pipeline: null });
      expect(last.data.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
      expect((await stream.next(10_000))?.event).toBe('complete');
      console.log(`auth e2e: subscription ended with UNAUTHENTICATED ${took} ms after its ServiceAccount was deleted (cache period ${TTL_MS} ms)`);
    } finally {
      stream.close();
      await cluster.kubectl(['delete', 'serviceaccount', name, '-n', NS, '--ignore-not-found']);
      await cluster.kubectl(['delete', 'rolebinding', name, '-n', 'flux-system', '--ignore-not-found']);
    }
  });
});

describe('failing reviews fail closed', () => {
  it('SubjectAccessReviews refused: errors and no data; TokenReviews refused too: 503 and no data', async () => {
    const reviews = 'clusterrole/flux-pipelines-api-reviews';
    const fresh = await token('team-b');
    tokens.fresh = fresh;
    try {
      // Keep TokenReviews, take away SubjectAccessReviews.
      await must(['patch', reviews, '--type=json', '-p', '[{"op":"remove","path":"/rules/1"}]']);
      let answer: Answer;
      const since = Date.now();
      do {
        await new Promise((r) => setTimeout(r, 200));
        answer = await ask(server.url, ALL_PIPELINES_QUERY, {}, bearer(tokens['team-b']!));
        expect(Date.now() - since).toBeLessThan(TTL_MS + 10_000);
        // team-b always gets FORBIDDEN for dev and staging: wait for the failed reviews.
      } while (!answer.body.errors?.some((e) => e.extensions?.code === 'KUBERNETES_UNAVAILABLE'));
      // Past one more cache period, no answer from before the change can be left.
      await new Promise((r) => setTimeout(r, TTL_MS + 200));
      answer = await ask(server.url, ALL_PIPELINES_QUERY, {}, bearer(tokens['team-b']!));
      expect(answer.status).toBe(200);
      // One null per kind that could not be checked (Pipeline, ConfigMap), nothing else.
      expect(answer.body.data.pipelines.length).toBeGreaterThan(0);
      expect(answer.body.data.pipelines.every((p: unknown) => p === null)).toBe(true);
      expect(new Set(answer.body.errors!.map((e) => e.extensions?.code))).toEqual(new Set(['KUBERNETES_UNAVAILABLE']));
      const one = await ask(server.url, PIPELINE_QUERY, { approach: 'HYBRID', name: 'example-pipeline' }, bearer(tokens['team-b']!));
      expect(one.body.data).toEqual({ pipeline: null });

      // And TokenReviews: a token the service has not seen cannot be verified.
      await must(['delete', 'clusterrolebinding', 'flux-pipelines-api-reviews']);
      let refused: Answer;
      do {
        await new Promise((r) => setTimeout(r, 200));
        refused = await ask(server.url, ALL_PIPELINES_QUERY, {}, bearer(fresh));
        expect(Date.now() - since).toBeLessThan(TTL_MS + 20_000);
      } while (refused.status !== 503);
      expect(refused.status).toBe(503);
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors?.map((e) => e.extensions?.code)).toEqual(['KUBERNETES_UNAVAILABLE']);
    } finally {
      await must(['apply', '--server-side', '--force-conflicts', '--field-manager=e2e', '-k', `${ROOT}deploy`]);
    }
    // Restored: the same callers read again.
    let back: Answer;
    const restoredAt = Date.now();
    do {
      await new Promise((r) => setTimeout(r, 200));
      back = await ask(server.url, ALL_PIPELINES_QUERY, {}, bearer(fresh));
      expect(Date.now() - restoredAt, JSON.stringify(back)).toBeLessThan(TTL_MS + 10_000);
    } while (back.status !== 200 || back.body.errors?.some((e) => e.extensions?.code === 'KUBERNETES_UNAVAILABLE'));
    const expected = expectedFor('team-b', QUERIES.find((q) => q.label === 'pipelines')!, structuredClone(full.pipelines));
    expect({ data: back.body.data, errors: errorsOf(back) }).toEqual(expected);
  });
});

describe('--auth proxy on the real API server', () => {
  const TEAM_A_USER = `system:serviceaccount:${NS}:team-a`;

  it('refuses user headers from an address that is not a trusted proxy', async () => {
    const kubeconfig = join(dir, 'service.kubeconfig');
    const untrusted = await startServer(['--source', 'kube', '--kubeconfig', kubeconfig, '--auth', 'proxy', '--auth-proxy-trusted', '10.0.0.0/8']);
    others.push(untrusted);
    const answer = await ask(untrusted.url, ALL_PIPELINES_QUERY, {}, { 'x-forwarded-user': TEAM_A_USER, 'x-forwarded-groups': 'system:authenticated' });
    expect(answer.status).toBe(401);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('from a trusted proxy, gives the named user exactly what their own token gets', async () => {
    const kubeconfig = join(dir, 'service.kubeconfig');
    const trusted = await startServer(['--source', 'kube', '--kubeconfig', kubeconfig, '--auth', 'proxy', '--auth-proxy-trusted', '127.0.0.1']);
    others.push(trusted);
    for (const query of QUERIES) {
      const headers = { 'x-request-id': `proxy-${query.label.replace(/\W/g, '-')}` };
      const proxied = await ask(trusted.url, query.document, query.variables, { ...headers, 'x-forwarded-user': TEAM_A_USER, 'x-forwarded-groups': 'system:serviceaccounts, system:authenticated' });
      const direct = await ask(server.url, query.document, query.variables, { ...headers, ...bearer(tokens['team-a']!) });
      // Which of two refused reads is reported first may differ between runs (kind, message): compare the rest.
      expect(proxied.body.data, query.label).toEqual(direct.body.data);
      expect(errorsOf(proxied), query.label).toEqual(errorsOf(direct));
      expect(crossOvers('team-a', proxied.body.data)).toEqual([]);
    }
  });
});
