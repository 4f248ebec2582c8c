// `pipelines` answers assembled per pipeline (src/server/pipeline-parts.ts), through the whole
// HTTP handling path (yoga.fetch): the same answers, to the byte, as a full execution over the
// same store, on the demo and on the varied fixture (broken definitions, errors at list
// indexes); a part reused only while nothing it read changed; reads counted at the reader
// interface per kind.
import { fileURLToPath } from 'node:url';
import { Kind, OperationTypeNode, parse, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSource } from '../src/cluster/create-source.js';
import type { KubeObject } from '../src/cluster/kube-object.js';
import type { ClusterReader, ClusterSource } from '../src/cluster/reader.js';
import type { ResourceKind } from '../src/cluster/resources.js';
import { ReadRecorder } from '../src/cluster/store/read-recorder.js';
import type { SnapshotSource } from '../src/cluster/snapshot/snapshot-source.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { renderMetrics } from '../src/metrics.js';
import { createLogger } from '../src/logger.js';
import { schema } from '../src/schema/index.js';
import { appAccess } from '../src/server/auth-setup.js';
import { createApp } from '../src/server/create-app.js';
import { inTurns, PartCache, planOf } from '../src/server/pipeline-parts.js';
import { FakeAccessReviewer } from './support/fake-access-reviewer.js';
import { clientFor, expectNoErrors, type GraphQLClient, type GraphQLResponse } from './support/graphql-client.js';
import { selectAll } from './support/select-all.js';
import { interceptedReads } from './support/intercepted-reads.js';
import { sample } from './support/metrics-sample.js';

/** A source whose every read is counted by kind. */
function counted(source: SnapshotSource): ClusterSource & { reads: Map<ResourceKind, number>; total(kinds?: ResourceKind[]): number } {
  const reads = new Map<ResourceKind, number>();
  const count = (reader: ClusterReader): ClusterReader =>
    new Proxy(reader, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || property === 'freshness') return value;
        return (kind: ResourceKind, ...rest: unknown[]) => {
          reads.set(kind, (reads.get(kind) ?? 0) + 1);
          return value.call(target, kind, ...rest);
        };
      },
    });
  return {
    description: source.description,
    readerFor: () => count(source.readerFor()),
    checkReady: () => source.checkReady(),
    subscribe: (listener) => source.subscribe(listener),
    generation: () => source.generation(),
    reads,
    total: (kinds) => [...reads].filter(([k]) => !kinds || kinds.includes(k)).reduce((sum, [, n]) => sum + n, 0),
  };
}

const VARIED_FIXTURE = fileURLToPath(new URL('./fixtures/varied', import.meta.url));
const RELEASE_KINDS: ResourceKind[] = ['HelmRelease', 'Kustomization'];

/** Every field of a Pipeline except freshness (which keeps a document off the per-pipeline path). */
const EVERYTHING = selectAll(schema, schema.getType('Pipeline')!).replace(/freshness \{[^{}]*\}/g, '');

// Every field at once is far over the default document bounds; what is compared here is the answers.
const LIFTED = { ...DEFAULT_LIMITS, maxTokens: 1_000_000, maxFields: 1_000_000, maxDepth: 100, maxComplexity: Number.MAX_SAFE_INTEGER };

const DOCUMENTS: [string, string, Record<string, unknown> | undefined][] = [
  ['every field', `{ pipelines { ${EVERYTHING} } }`, undefined],
  [
    'aliases, a fragment, variables, a directive inside, other root fields',
    `query Q($approach: Approach, $ns: String, $withReleases: Boolean!) {
      freshness { stale }
      one: pipelines(approach: $approach) { ...P }
      two: pipelines(namespace: $ns) { name stages { name releases @include(if: $withReleases) { name version } } }
      __typename
    }
    fragment P on Pipeline { id name approach health healthReason { __typename } stages { order name releases { __typename name ready version ... on HelmRelease { chartName } } } }`,
    { approach: 'HYBRID', ns: 'flux-system', withReleases: true },
  ],
  ['the same with other variables', '', { approach: null, ns: 'nowhere', withReleases: false }],
  ['the README-style list', '{ pipelines { name stages { name releases { name ready version } } } }', undefined],
  ['one pipeline, every field', `{ pipeline(approach: HYBRID, name: "example-pipeline") { ${EVERYTHING} } }`, undefined],
  [
    'pipelines one by one beside a list and other fields, one missing, one reading freshness',
    `query One($name: String!, $ns: String) {
      crd: pipeline(approach: CRD, name: "example-pipeline-crd") { name stages { name releases { name version } } }
      freshness { stale }
      hybrid: pipeline(approach: HYBRID, name: $name, namespace: $ns) { ...P }
      missing: pipeline(approach: STAGE, name: "no-such-pipeline") { name }
      fresh: pipeline(approach: CM, name: $name) { name freshness { stale } }
      list: pipelines(approach: HYBRID) { ...P }
    }
    fragment P on Pipeline { id name health stages { order name releases { __typename name ready version } } }`,
    { name: 'example-pipeline', ns: 'flux-system' },
  ],
  // What graphql-jit answers differently (so those listings are never compiled), each beside a plain field.
  ['a fragment spread twice, the first skipped', 'query($x: Boolean!) { pipelines { name stages { ...S @include(if: $x) ...S } } } fragment S on Stage { name order }', { x: false }],
  ['the same fragment with and without a condition, in two fields', 'query($x: Boolean!) { pipelines { stages { ...S @include(if: $x) } s2: stages { ...S } } } fragment S on Stage { name }', { x: false }],
  ['a condition failing, given null', 'query($y: Boolean = true) { pipelines { name stages { name @include(if: $y) } } }', { y: null }],
  ['@skip inside an inline fragment', 'query($x: Boolean!) { pipelines { name stages { ... on Stage { order name @skip(if: $x) } } } }', { x: true }],
  ['an alias __proto__', '{ pipelines { name __proto__: namespace stages { __proto__: name } } }', undefined],
  ['root aliases __proto__', '{ __proto__: pipelines { name } one: pipeline(approach: HYBRID, name: "example-pipeline") { name } }', undefined],
  ['a root pipeline aliased __proto__', '{ __proto__: pipeline(approach: HYBRID, name: "example-pipeline") { name } }', undefined],
  ['a variable with a default value', 'query($ns: String = "flux-system") { pipelines(namespace: $ns) { name stages { name releases { name version } } } }', undefined],
  ['a variable failing its type, one pipeline alone', 'query($a: Approach!) { pipeline(approach: $a, name: "example-pipeline") { name } }', { a: 'HYBRI' }],
  ['a variable failing its type, beside other fields', 'query($a: Approach!) { freshness { stale } pipeline(approach: $a, name: "example-pipeline") { name } pipelines { name } }', { a: 'HYBRI' }],
  [
    'a non-null root field failing beside a pipeline (the answer is null with every error)',
    '{ one: pipeline(approach: HYBRID, name: "example-pipeline") { name } bad: pipeline(approach: HYBRID, name: "") { name } pipelines(namespace: "Not_A_Namespace") { name } }',
    undefined,
  ],
];
DOCUMENTS[2]![1] = DOCUMENTS[1]![1];

type PartCounts = Record<'kept' | 'compiled' | 'interpreted', number>;

/** flux_pipelines_pipeline_parts_total by `how`, from /metrics' text. */
async function partCounts(): Promise<PartCounts> {
  const { body } = await renderMetrics();
  const count = (how: string) => sample(body, 'flux_pipelines_pipeline_parts_total', { how });
  return { kept: count('kept'), compiled: count('compiled'), interpreted: count('interpreted') };
}

const diff = (before: PartCounts, after: PartCounts): PartCounts => ({
  kept: after.kept - before.kept,
  compiled: after.compiled - before.compiled,
  interpreted: after.interpreted - before.interpreted,
});

/** An answer as a client compares it: request ids out, errors in a stable order. */
function comparable(response: GraphQLResponse): unknown {
  const errors = response.errors?.map((e) => ({ ...e, extensions: { ...e.extensions, requestId: undefined } }));
  errors?.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  // Key order aside: the executor writes an object's fields in the order they finish, so a
  // full execution's order is not the document's either (see the root-order test below).
  return { status: response.status, data: response.data, errors };
}

/** An object in a namespace no pipeline reads: a new store generation, no part concerned. */
const unrelated = (n: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: `unrelated-${n}`, namespace: 'no-pipeline-reads-here', resourceVersion: String(n) },
  data: { n: String(n) },
});

for (const [fixture, load] of [
  ['demo', () => createSource({ type: 'demo' })],
  ['varied fixture', () => createSource({ type: 'snapshot', path: VARIED_FIXTURE })],
] as const) {
  describe(`pipelines answered per pipeline: ${fixture}`, () => {
    let snapshot: SnapshotSource;
    let source: ReturnType<typeof counted>;
    let parts: GraphQLClient;
    let whole: GraphQLClient;
    let changes = 0;

    beforeAll(async () => {
      snapshot = (await load()) as SnapshotSource;
      source = counted(snapshot);
      // Every listing compiled, however short: the compiled parts must answer as the executor does.
      parts = clientFor(createApp({ source, logger: createLogger('silent'), limits: LIFTED, compileListingsOf: 1 }));
      // --result-cache-mb 0: nothing kept, every answer executed in full.
      whole = clientFor(createApp({ source, logger: createLogger('silent'), limits: LIFTED, resultCacheBytes: 0 }));
    });
    afterAll(async () => {
      await snapshot.stop?.();
    });

    it.each(DOCUMENTS)('%s: the same answer as a full execution, first and with every part reused', async (name, document, variables) => {
      const expected = comparable(await whole.query(document, variables));
      expect(comparable(await parts.query(document, variables))).toEqual(expected);
      // Not the result cache: the store moved on, but nothing a part read changed.
      snapshot.store.upsert('ConfigMap', unrelated(++changes));
      const before = source.total(RELEASE_KINDS);
      const again = await parts.query(document, variables);
      expect(comparable(again)).toEqual(expected);
      if (fixture === 'demo') {
        // On the demo only the documents written to fail have errors, and those errors are
        // in parts that read no releases, so no release is read again.
        expect(again.errors === undefined).toBe(!/missing|failing/.test(name));
        expect(source.total(RELEASE_KINDS)).toBe(before);
      }
    });

    it('runs each listed pipeline by its compiled part, a kept one by nothing, a root pipeline by the interpreter (/metrics)', async () => {
      const document = `query Counted { pipelines { ${EVERYTHING} } }`;
      let counts = await partCounts();
      const first = await parts.query(document);
      const listed = first.data!.pipelines as unknown[];
      // No error inside a listed pipeline on either fixture (an error's path would start
      // ["pipelines", index, ...]); "keeps no part with errors" below has some.
      expect(first.errors?.filter((e) => typeof e.path?.[1] === 'number') ?? []).toEqual([]);
      expect(diff(counts, (counts = await partCounts()))).toEqual({ kept: 0, compiled: listed.length, interpreted: 0 });
      snapshot.store.upsert('ConfigMap', unrelated(++changes));
      await parts.query(document);
      expect(diff(counts, (counts = await partCounts()))).toEqual({ kept: listed.length, compiled: 0, interpreted: 0 });
      // A root pipeline's document is run once per request: interpreted, not compiled.
      await parts.query('query CountedOne { pipeline(approach: HYBRID, name: "example-pipeline") { name } }');
      expect(diff(counts, await partCounts())).toEqual({ kept: 0, compiled: 0, interpreted: 1 });
    });
  });
}

describe('a part is executed again when something it read changes', () => {
  let demo: SnapshotSource;
  let source: ReturnType<typeof counted>;
  let client: GraphQLClient;
  const QUERY = '{ pipelines(approach: HYBRID) { name stages { name releases { name version } } } }';
  const devHelm = (response: GraphQLResponse) =>
    response.data!.pipelines[0].stages[0].releases.find((r: { name: string }) => r.name === 'podinfo-pipeline-helm')?.version;

  beforeEach(async () => {
    demo = (await createSource({ type: 'demo' })) as SnapshotSource;
    source = counted(demo);
    client = clientFor(createApp({ source, logger: createLogger('silent'), compileListingsOf: 1 }));
  });

  function bumped(version: string): KubeObject {
    const current = demo.store.get('HelmRelease', 'dev', 'podinfo-pipeline-helm')!;
    const status = structuredClone(current.status) as { history: { chartVersion: string }[] };
    status.history[0]!.chartVersion = version;
    return { ...current, metadata: { ...current.metadata, resourceVersion: version }, status };
  }

  it('a release of the pipeline changed: its new version is in the next answer', async () => {
    const first = await client.query(QUERY);
    expect(devHelm(first)).not.toBe('9.9.9');
    demo.store.upsert('HelmRelease', bumped('9.9.9'));
    const before = source.total(RELEASE_KINDS);
    const after = await client.query(QUERY);
    expect(devHelm(after)).toBe('9.9.9');
    expect(source.total(RELEASE_KINDS)).toBeGreaterThan(before);
  });

  it('a release joins a stage (a new labelled object): it is listed in the next answer', async () => {
    const first = await client.query(QUERY);
    const joining = structuredClone(demo.store.get('HelmRelease', 'dev', 'podinfo-pipeline-helm')!);
    joining.metadata = { ...joining.metadata, name: 'joined-later', resourceVersion: '1' };
    demo.store.upsert('HelmRelease', joining);
    const names = (r: GraphQLResponse) => r.data!.pipelines[0].stages[0].releases.map((x: { name: string }) => x.name);
    expect(names(first)).not.toContain('joined-later');
    expect(names(await client.query(QUERY))).toContain('joined-later');
    demo.store.remove('HelmRelease', joining);
    expect(names(await client.query(QUERY))).not.toContain('joined-later');
  });

  /**
   * The demo source, with `change` applied once, right after a part's read of the dev
   * releases has answered and before the part ends. `fired()` tells whether it ran.
   */
  function changingAfterDevRead(change: () => void): ClusterSource & { fired(): boolean } {
    let fired = false;
    return {
      ...source,
      readerFor: (scope) => {
        const reader = source.readerFor(scope);
        return {
          ...reader,
          list: reader.list,
          listByLabels: async (kind, namespace, labels, options) => {
            const answer = await reader.listByLabels!(kind, namespace, labels, options);
            if (!fired && kind === 'HelmRelease' && namespace === 'dev') {
              fired = true;
              change();
            }
            return answer;
          },
        };
      },
      fired: () => fired,
    };
  }

  it('keeps no part computed while the store changed under it', async () => {
    // The part holds the old version, and the change's event came before the part could be kept.
    const racing = changingAfterDevRead(() => demo.store.upsert('HelmRelease', bumped('7.7.7')));
    const racy = clientFor(createApp({ source: racing, logger: createLogger('silent') }));
    const first = await racy.query(QUERY);
    expect(racing.fired()).toBe(true);
    expect(devHelm(first)).not.toBe('7.7.7');
    expect(devHelm(await racy.query(QUERY))).toBe('7.7.7');
  });

  it('keeps a part when only something it had not read changed while it ran', async () => {
    const busy = changingAfterDevRead(() => demo.store.upsert('ConfigMap', unrelated(100)));
    const client = clientFor(createApp({ source: busy, logger: createLogger('silent') }));
    const first = await client.query(QUERY);
    expect(busy.fired()).toBe(true);
    demo.store.upsert('ConfigMap', unrelated(101));
    const before = source.total(RELEASE_KINDS);
    expect(await client.query(QUERY)).toEqual(first);
    expect(source.total(RELEASE_KINDS)).toBe(before);
  });

  it('one pipeline asked again after a change elsewhere is its kept part; after a change of its own, a new one', async () => {
    const one = '{ pipeline(approach: HYBRID, name: "example-pipeline") { name stages { name releases { name version } } } }';
    const devVersion = (r: GraphQLResponse) => r.data!.pipeline.stages[0].releases.find((x: { name: string }) => x.name === 'podinfo-pipeline-helm').version;
    const first = await client.query(one);
    demo.store.upsert('ConfigMap', unrelated(200));
    const before = source.total();
    expect(await client.query(one)).toEqual(first);
    // Nothing read at all: the document has no other field.
    expect(source.total()).toBe(before);
    demo.store.upsert('HelmRelease', bumped('6.6.6'));
    expect(devVersion(await client.query(one))).toBe('6.6.6');
    expect(source.total(RELEASE_KINDS)).toBeGreaterThan(before);
  });

  it('lists the root fields of an assembled answer in the order the document asks for them', async () => {
    const document = `{
      freshness { stale }
      one: pipeline(approach: CRD, name: "example-pipeline-crd") { name }
      all: pipelines(approach: HYBRID) { name }
      __typename
      two: pipeline(approach: HYBRID, name: "example-pipeline") { name stages { name } }
    }`;
    const keys = ['freshness', 'one', 'all', '__typename', 'two'];
    expect(Object.keys((await client.query(document)).data!)).toEqual(keys);
    demo.store.upsert('ConfigMap', unrelated(300));
    // With every part kept, too.
    expect(Object.keys((await client.query(document)).data!)).toEqual(keys);
  });

  /** The demo source with the first Deployment read after `arm()` held by `hook` (which may throw) before it is made. */
  function withDeploymentReads(hook: () => Promise<void>): ClusterSource & { arm(): void } {
    let armed = false;
    const intercepted = interceptedReads(source, async (kind) => {
      if (armed && kind === 'Deployment') {
        armed = false;
        await hook();
      }
    });
    return {
      ...intercepted,
      arm: () => {
        armed = true;
      },
    };
  }
  const HEALTH = '{ pipelines(approach: HYBRID) { name health healthReason { message } stages { name health } } }';

  it('keeps no part that read through a failed read, though the failure became data (UNKNOWN), not an error', async () => {
    const flaky = withDeploymentReads(async () => {
      throw new Error('the API server went away for a moment');
    });
    const client = clientFor(createApp({ source: flaky, logger: createLogger('silent') }));
    const healthy = await clientFor(createApp({ source, logger: createLogger('silent'), resultCacheBytes: 0 })).query(HEALTH);
    flaky.arm();
    const hurt = await client.query(HEALTH);
    expect(hurt.errors).toBeUndefined();
    expect(JSON.stringify(hurt.data)).toContain('UNKNOWN');
    // Nothing changed: neither the whole answer nor the part was kept.
    expect(await client.query(HEALTH)).toEqual(healthy);
    // The store moved on elsewhere; the reads are fine again: the answer is the healthy one.
    demo.store.upsert('ConfigMap', unrelated(401));
    expect(await client.query(HEALTH)).toEqual(healthy);
  });

  it('keeps no part of a request whose deadline passed while it ran', async () => {
    // The first Deployment read is held past the deadline, then refused; insights turn that
    // into UNKNOWN health, without an error.
    const slow = withDeploymentReads(() => new Promise((r) => setTimeout(r, 300)));
    const client = clientFor(createApp({ source: slow, logger: createLogger('silent'), limits: { ...DEFAULT_LIMITS, queryTimeoutMs: 200 } }));
    const healthy = await clientFor(createApp({ source, logger: createLogger('silent'), resultCacheBytes: 0 })).query(HEALTH);
    slow.arm();
    const late = await client.query(HEALTH);
    expect(JSON.stringify(late)).toMatch(/UNKNOWN|DEADLINE_EXCEEDED/);
    demo.store.upsert('ConfigMap', unrelated(403));
    expect(await client.query(HEALTH)).toEqual(healthy);
  });

  it('keys parts by the variables the operation declares, not by any others sent along', async () => {
    const query = 'query($approach: Approach) { pipelines(approach: $approach) { name stages { name releases { name } } } }';
    await client.query(query, { approach: 'HYBRID', n: 1 });
    demo.store.upsert('ConfigMap', unrelated(404));
    const before = source.total(RELEASE_KINDS);
    await client.query(query, { approach: 'HYBRID', n: 2 });
    expect(source.total(RELEASE_KINDS)).toBe(before);
    // A declared variable's value is another answer.
    await client.query(query, { approach: 'CRD', n: 2 });
    expect(source.total(RELEASE_KINDS)).toBeGreaterThan(before);
  });

  it('a feed going stale drops every part: the next answer reads again', async () => {
    await client.query(QUERY);
    demo.store.setStatus('HelmRelease', { stale: true });
    const before = source.total(RELEASE_KINDS);
    await client.query(QUERY);
    expect(source.total(RELEASE_KINDS)).toBeGreaterThan(before);
  });

  /** A POST of one operation of a document, as a client that names it sends it. */
  async function ask(app: ReturnType<typeof createApp>, query: string, operationName?: string, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
    const response = await app.fetch('http://test.local/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, operationName, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  }

  it('each operation of one document has its own parts', async () => {
    const document = `query A { pipelines(approach: HYBRID) { name stages { name releases { name version } } } }
      query B { pipelines(approach: HYBRID) { name stages { order name releases { name } } } }`;
    const app = createApp({ source, logger: createLogger('silent') });
    const full = createApp({ source, logger: createLogger('silent'), resultCacheBytes: 0 });
    for (const [n, operation] of (['B', 'A', 'B', 'A'] as const).entries()) {
      // A change no part read between answers: the result cache cannot answer, the parts can.
      demo.store.upsert('ConfigMap', unrelated(200 + n));
      const before = source.total(RELEASE_KINDS);
      const answer = await ask(app, document, operation);
      expect(answer.errors).toBeUndefined();
      // The second time each operation is asked, every part is reused: no release read again.
      if (n >= 2) expect(source.total(RELEASE_KINDS)).toBe(before);
      expect(answer).toEqual(await ask(full, document, operation));
    }
  });

  it('each set of variables has its own parts', async () => {
    const document = 'query($releases: Boolean!) { pipelines(approach: HYBRID) { name stages { name releases @include(if: $releases) { name } } } }';
    const app = createApp({ source, logger: createLogger('silent') });
    const full = createApp({ source, logger: createLogger('silent'), resultCacheBytes: 0 });
    for (const releases of [true, false, true]) {
      const answer = await ask(app, document, undefined, { releases });
      expect(answer.errors).toBeUndefined();
      expect(answer).toEqual(await ask(full, document, undefined, { releases }));
    }
  });

  it('splices each list into its own place, whatever strings the answer holds', async () => {
    // Short strings such as "1" in one list must not be taken for where the next list goes.
    demo.store.upsert('HelmRelease', bumped('1'));
    const document = '{ a: pipelines(approach: HYBRID) { name stages { releases { name version } } } b: pipelines(approach: HYBRID) { name } }';
    const answer = await client.query(document);
    expect(answer.errors).toBeUndefined();
    expect(JSON.stringify(answer.data)).toContain('"version":"1"');
    const whole = clientFor(createApp({ source, logger: createLogger('silent'), resultCacheBytes: 0 }));
    expect(answer).toEqual(await whole.query(document));
  });

  it('interprets a listing of fewer than 64 pipelines by default, compiling none (/metrics)', async () => {
    const byDefault = clientFor(createApp({ source, logger: createLogger('silent') }));
    const counts = await partCounts();
    const answer = await byDefault.query('{ pipelines { name stages { name releases { name } } } }');
    expect(answer.errors).toBeUndefined();
    expect(diff(counts, await partCounts())).toEqual({ kept: 0, compiled: 0, interpreted: answer.data!.pipelines.length });
  });

  it('keeps no part with errors: each answer carries its own request id', async () => {
    // A Kustomization a stage refers to, gone: CRD parts end with a dangling-ref error.
    const query = '{ pipelines(approach: CRD) { name stages { name releases { name } } } }';
    const kustomizations = demo.store.list('Kustomization', null);
    for (const k of kustomizations) demo.store.remove('Kustomization', k);
    const counts = await partCounts();
    const a = await client.query(query, undefined, { 'x-request-id': 'first-request' });
    expect(a.errors?.length).toBeGreaterThan(0);
    // Each CRD pipeline has an error: the compiled part's answer is dropped for the interpreter's.
    const listed = (a.data!.pipelines as unknown[]).length;
    expect(new Set(a.errors!.map((e) => e.path![1])).size).toBe(listed);
    expect(diff(counts, await partCounts())).toEqual({ kept: 0, compiled: 0, interpreted: listed });
    demo.store.upsert('ConfigMap', unrelated(1));
    const before = source.total();
    const b = await client.query(query, undefined, { 'x-request-id': 'second-request' });
    expect(b.errors!.every((e) => e.extensions?.requestId === 'second-request')).toBe(true);
    expect(a.errors!.every((e) => e.extensions?.requestId === 'first-request')).toBe(true);
    expect(source.total()).toBeGreaterThan(before);
    expect(b.errors!.map((e) => e.path)).toEqual(a.errors!.map((e) => e.path));
    // The errors sit where a full execution puts them, inside the listed pipeline.
    const whole = clientFor(createApp({ source, logger: createLogger('silent'), resultCacheBytes: 0 }));
    expect(comparable(b)).toEqual(comparable(await whole.query(query)));
    expect(b.errors!.some((e) => e.path!.length > 2)).toBe(true);
  });
});

describe('per-user access: every answer executed in full', () => {
  it('reads every release again for an authorized caller after any change', async () => {
    const reviewer = new FakeAccessReviewer();
    reviewer.tokens.set('alice-token.abc', { user: 'alice', groups: [] });
    reviewer.grant({ user: 'alice' }, ['pipelines', 'pipelinestages', 'configmaps', 'kustomizations', 'helmreleases', 'deployments', 'statefulsets', 'daemonsets'], ['flux-system', 'dev', 'staging', 'prod']);
    const demo = (await createSource({ type: 'demo' })) as SnapshotSource;
    const source = counted(demo);
    const client = clientFor(createApp({ source, logger: createLogger('silent'), access: appAccess({ mode: 'token', cacheTtlMs: 60_000 }, reviewer) }));
    const query = '{ pipelines(approach: HYBRID) { name stages { name releases { name version } } } }';
    const asAlice = { authorization: 'Bearer alice-token.abc' };
    const first = await client.query(query, undefined, asAlice);
    expect(first.errors).toBeUndefined();
    const perAnswer = source.total(RELEASE_KINDS);
    expect(perAnswer).toBeGreaterThan(0);
    demo.store.upsert('ConfigMap', unrelated(2));
    expect(await client.query(query, undefined, asAlice)).toEqual(first);
    expect(source.total(RELEASE_KINDS)).toBe(2 * perAnswer);
  });
});

describe('planOf: which documents are answered per pipeline', () => {
  const plan = (document: string, operationName?: string) => planOf(parse(document), operationName);

  it('plans each pipelines field of a query, keyed by its alias', () => {
    const p = plan('query($x: String) { a: pipelines { name } b: pipelines(namespace: $x) { id } freshness { stale } }');
    expect(p?.fields.map((f) => f.key)).toEqual(['a', 'b']);
    // The part asks for one pipeline with the same selection and the operation's variables.
    expect(p?.fields[0]!.part.definitions).toHaveLength(1);
  });

  it('avoids the names of the operation’s own variables', () => {
    const p = plan('query($partApproach: Approach, $partName: String) { pipelines(approach: $partApproach) { name } n: freshness { stale } x: pipeline(approach: HYBRID, name: $partName) { name } }');
    expect(p?.fields[0]).toMatchObject({ approachVar: 'partApproach2', nameVar: 'partName2', namespaceVar: 'partNamespace' });
  });

  it.each([
    ['no pipelines or pipeline field', '{ freshness { stale } whereDeployed(chart: "x") { __typename } }'],
    ['a pipeline field that reads freshness', '{ pipeline(approach: HYBRID, name: "x") { name freshness { stale } } }'],
    ['a mutation-like operation: a subscription', 'subscription { pipeline(approach: HYBRID, name: "x") { name } }'],
    ['freshness in the selection', '{ pipelines { name freshness { stale } } }'],
    ['freshness through a fragment', '{ pipelines { ...F } } fragment F on Pipeline { stages { name } ... on Pipeline { freshness { stale } } }'],
    ['a directive on pipelines', 'query($s: Boolean!) { pipelines @skip(if: $s) { name } }'],
    ['a root fragment spread', '{ ...R } fragment R on Query { pipelines { name } }'],
    ['a root inline fragment', '{ ... on Query { pipelines { name } } }'],
    ['one response key twice', '{ pipelines { name } pipelines { id } }'],
  ])('not: %s', (_why, document) => {
    expect(plan(document)).toBeNull();
  });

  it('takes a name none of the operation’s variables has, however many are taken', () => {
    const p = plan('query($partApproach: Approach, $partApproach2: Approach) { pipelines(approach: $partApproach) { name } x: pipelines(approach: $partApproach2) { id } }');
    expect(p?.fields.map((f) => f.approachVar)).toEqual(['partApproach3', 'partApproach4']);
  });

  it('not: freshness anywhere under the list, however deep', () => {
    expect(plan('{ pipelines { stages { name releases { name freshness { stale } } } } }')).toBeNull();
    expect(plan('{ pipelines { stages { name releases { name } } } }')).not.toBeNull();
  });

  it('ends on fragments that spread each other (invalid, but planOf must not loop)', () => {
    const p = plan('{ pipelines { ...F } } fragment F on Pipeline { name stages { ...G } } fragment G on Stage { name ...F }');
    expect(p?.fields.map((f) => f.key)).toEqual(['pipelines']);
  });

  it('not: an operation the document does not hold, a subscription or a mutation listing pipelines', () => {
    expect(plan('query A { pipelines { name } }', 'Missing')).toBeNull();
    expect(plan('subscription { pipelines { name } }')).toBeNull();
    expect(plan('mutation { pipelines { name } }')).toBeNull();
  });

  it('plans a document built by hand, without the optional lists a parser fills in', () => {
    const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
    const document: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [
        {
          kind: Kind.OPERATION_DEFINITION,
          operation: OperationTypeNode.QUERY,
          selectionSet: {
            kind: Kind.SELECTION_SET,
            selections: [{ kind: Kind.FIELD, name: name('pipelines'), selectionSet: { kind: Kind.SELECTION_SET, selections: [{ kind: Kind.FIELD, name: name('name') }] } }],
          },
        },
      ],
    };
    const p = planOf(document, undefined);
    const part = p?.fields[0]?.part.definitions[0] as OperationDefinitionNode | undefined;
    expect(part?.variableDefinitions?.map((d) => d.variable.name.value)).toEqual(['partApproach', 'partName', 'partNamespace']);
    expect(print(p!.skeleton!)).toBe(print(parse('{ pipelines { approach namespace name } }')));
  });

  it('follows the operation asked for', () => {
    const document = 'query A { pipelines { name } } query B { freshness { stale } }';
    expect(plan(document, 'A')).not.toBeNull();
    expect(plan(document, 'B')).toBeNull();
  });
});

describe('PartCache', () => {
  const object = (kind: string, namespace: string, name: string, labels: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind,
    metadata: { namespace, name, labels, resourceVersion: '1' },
  });
  const recorderReading = (kind: ResourceKind, namespace: string | null, labels: Record<string, string>) => {
    const recorder = new ReadRecorder();
    const reader = recorder.wrap({ list: async () => [] });
    void reader.listByLabels!(kind, namespace, labels);
    return recorder;
  };

  it('drops a part when a change answers one of its reads, and only then', () => {
    const cache = new PartCache(1 << 20);
    cache.set('a', '{"a":1}', recorderReading('HelmRelease', 'dev', { p: 'a' }));
    cache.set('b', '{"b":1}', recorderReading('HelmRelease', 'dev', { p: 'b' }));
    cache.set('all', '{"c":1}', recorderReading('HelmRelease', null, { p: 'c' }));
    // Same kind and namespace, another label: nobody's.
    cache.apply({ type: 'change', change: { kind: 'HelmRelease', type: 'ADDED', object: object('HelmRelease', 'dev', 'x', { p: 'z' }) } });
    expect(cache.size).toBe(3);
    // A label 'a' release appears: part a goes.
    cache.apply({ type: 'change', change: { kind: 'HelmRelease', type: 'ADDED', object: object('HelmRelease', 'dev', 'y', { p: 'a' }) } });
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')?.json).toBe('{"b":1}');
    // A release leaves label b (the object before the change answered the read).
    cache.apply({
      type: 'change',
      change: { kind: 'HelmRelease', type: 'MODIFIED', object: object('HelmRelease', 'dev', 'w', { p: 'other' }), previous: object('HelmRelease', 'dev', 'w', { p: 'b' }) },
    });
    expect(cache.get('b')).toBeUndefined();
    // A read over all namespaces hears every namespace.
    cache.apply({ type: 'change', change: { kind: 'HelmRelease', type: 'ADDED', object: object('HelmRelease', 'far-away', 'v', { p: 'c' }) } });
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('spoils a part in flight when a change concerns what it has read so far', () => {
    const cache = new PartCache(1 << 20);
    const change = (name: string, labels: Record<string, string>) =>
      ({ type: 'change', change: { kind: 'HelmRelease', type: 'ADDED', object: object('HelmRelease', 'dev', name, labels) } }) as const;
    const reading = cache.takeOff(recorderReading('HelmRelease', 'dev', { p: 'a' }));
    const elsewhere = cache.takeOff(recorderReading('HelmRelease', 'dev', { p: 'b' }));
    cache.apply(change('x', { p: 'a' }));
    expect(cache.land(reading)).toBe(false);
    expect(cache.land(elsewhere)).toBe(true);
    // A feed's health spoils every part in flight.
    const any = cache.takeOff(recorderReading('Deployment', 'prod', {}));
    cache.apply({ type: 'health', kind: 'Kustomization', stale: true, error: null });
    expect(cache.land(any)).toBe(false);
  });

  it('checks a change only against the parts in flight that read its namespace, and forgets a part once it lands', () => {
    const cache = new PartCache(1 << 20);
    // 1,000 parts in flight, ten to a team namespace, as on the bench's fleet.
    const flights = Array.from({ length: 1000 }, (_, i) => cache.takeOff(recorderReading('HelmRelease', `team-${Math.floor(i / 10)}`, { p: `pipeline-${i}` })));
    // A relist's worth of changes elsewhere: none concerns a part in flight.
    for (let i = 0; i < 100_000; i++) cache.apply({ type: 'change', change: { kind: 'HelmRelease', type: 'ADDED', object: object('HelmRelease', 'elsewhere', `n${i}`, { p: 'nobody' }) } });
    expect(flights.filter((f) => f.spoiled)).toEqual([]);
    // A change in team-7 that only pipeline-72's reads answer.
    cache.apply({ type: 'change', change: { kind: 'HelmRelease', type: 'ADDED', object: object('HelmRelease', 'team-7', 'joins', { p: 'pipeline-72' }) } });
    expect(flights.filter((f) => f.spoiled).map((f) => f.recorder)).toEqual([flights[72]!.recorder]);
    // Reads made after take-off count too.
    const later = new ReadRecorder();
    const flight = cache.takeOff(later);
    void later.wrap({ list: async () => [] }).listByLabels!('Deployment', 'prod', { app: 'x' });
    cache.apply({ type: 'change', change: { kind: 'Deployment', type: 'ADDED', object: object('Deployment', 'prod', 'x', { app: 'x' }) } });
    expect(cache.land(flight)).toBe(false);
    // Landed parts are no longer checked: a change they read does not reach them.
    for (const f of flights) cache.land(f);
    cache.apply({ type: 'change', change: { kind: 'HelmRelease', type: 'ADDED', object: object('HelmRelease', 'team-3', 'late', { p: 'pipeline-30' }) } });
    expect(flights[30]!.spoiled).toBe(false);
  });

  it('still checks a part in flight after another that read in the same namespace lands', () => {
    const cache = new PartCache(1 << 20);
    const first = cache.takeOff(recorderReading('HelmRelease', 'dev', { p: 'a' }));
    const second = cache.takeOff(recorderReading('HelmRelease', 'dev', { p: 'b' }));
    expect(cache.land(first)).toBe(true);
    cache.apply({ type: 'change', change: { kind: 'HelmRelease', type: 'ADDED', object: object('HelmRelease', 'dev', 'x', { p: 'b' }) } });
    expect(cache.land(second)).toBe(false);
  });

  it('estimates a part at 200 bytes for each read it keeps', () => {
    const cache = new PartCache(1 << 20);
    const recorder = recorderReading('HelmRelease', 'dev', { p: 'a' });
    void recorder.wrap({ list: async () => [] }).listByLabels!('Deployment', 'dev', { p: 'a' });
    cache.set('k', '1', recorder);
    // 2 × 1 + 2 × 1 + 200 × 2
    expect(cache.bytes).toBe(404);
  });

  it('drops everything when a feed changes health', () => {
    const cache = new PartCache(1 << 20);
    cache.set('a', '1', recorderReading('HelmRelease', 'dev', {}));
    cache.apply({ type: 'health', kind: 'Deployment', stale: true, error: null });
    expect(cache.size).toBe(0);
  });

  it('stays within its byte bound, least recently used out first', () => {
    // Each part is estimated at 2 bytes per character of its text and of its key, and 200 per
    // read it keeps (one here): 2,402 bytes, four of them 9,608.
    const text = 'x'.repeat(1_100);
    const cache = new PartCache(10_000);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, text, recorderReading('HelmRelease', 'dev', {}));
    expect(cache.size).toBe(4);
    cache.get('a');
    cache.set('e', text, recorderReading('HelmRelease', 'dev', {}));
    expect(cache.bytes).toBeLessThanOrEqual(10_000);
    expect(cache.get('b')).toBeUndefined();
    for (const key of ['a', 'c', 'd', 'e']) expect(cache.get(key)).toBeDefined();
    // A part over a quarter of the bound is not kept at all.
    cache.set('huge', 'y'.repeat(1_150), recorderReading('HelmRelease', 'dev', {}));
    expect(cache.get('huge')).toBeUndefined();
  });

  it('keeps parts of exactly a quarter of the bound, four of them filling it exactly', () => {
    // 2 × 1,145 + 2 × 5 + 200 × 1 = 2,500 bytes each: a quarter of 10,000.
    const text = 'x'.repeat(1_145);
    const cache = new PartCache(10_000);
    for (const key of ['key-a', 'key-b', 'key-c', 'key-d']) cache.set(key, text, recorderReading('HelmRelease', 'dev', {}));
    expect(cache.size).toBe(4);
    expect(cache.bytes).toBe(10_000);
    // The same key again replaces its part, it is not counted twice.
    cache.set('key-a', text, recorderReading('HelmRelease', 'dev', {}));
    expect(cache.size).toBe(4);
    expect(cache.bytes).toBe(10_000);
  });

  it('parses a kept part for answers with errors once, keeps the value and counts it against the bound', () => {
    const text = JSON.stringify({ name: 'x'.repeat(1_000) });
    const cache = new PartCache(10_000);
    cache.set('a', text, recorderReading('HelmRelease', 'dev', {}));
    cache.set('b', text, recorderReading('HelmRelease', 'dev', {}));
    const before = cache.bytes;
    const part = cache.get('b')!;
    const value = cache.valueOf('b', part);
    expect(value).toEqual(JSON.parse(text));
    expect(cache.valueOf('b', part)).toBe(value);
    // Three bytes a character more for the parsed value, counted once.
    expect(cache.bytes).toBe(before + 3 * text.length);
    // Over the bound now: the least recently used part goes, not the one just parsed.
    cache.valueOf('a', cache.get('a')!);
    expect(cache.bytes).toBeLessThanOrEqual(10_000);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
  });

  it('parses a part dropped meanwhile for the request that holds it, counting nothing', () => {
    const cache = new PartCache(10_000);
    cache.set('a', '{"n":1}', recorderReading('HelmRelease', 'dev', {}));
    const part = cache.get('a')!;
    cache.apply({ type: 'health', kind: 'Deployment', stale: true, error: null });
    expect(cache.valueOf('a', part)).toEqual({ n: 1 });
    expect(cache.bytes).toBe(0);
  });

  it('counts hits and misses', () => {
    const cache = new PartCache(1 << 20);
    cache.set('a', '1', recorderReading('HelmRelease', 'dev', {}));
    cache.get('a');
    cache.get('a');
    cache.get('b');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 1 });
  });

  it('drops a part a change concerns through the object before it, in another namespace than after', () => {
    const cache = new PartCache(1 << 20);
    cache.set('dev', '1', recorderReading('HelmRelease', 'dev', { p: 'a' }));
    cache.apply({
      type: 'change',
      change: { kind: 'HelmRelease', type: 'MODIFIED', object: object('HelmRelease', 'prod', 'moved', { p: 'a' }), previous: object('HelmRelease', 'dev', 'moved', { p: 'a' }) },
    });
    expect(cache.size).toBe(0);
  });

  // As the recorder's own rule has it, an object without a namespace answers a read in namespace ''.
  it('drops a part that read in namespace "" when an object without a namespace changes', () => {
    const cache = new PartCache(1 << 20);
    const clusterScoped = (name: string, namespace?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, namespace, resourceVersion: '1' } });
    const reading = () => {
      const recorder = new ReadRecorder();
      void recorder.wrap({ list: async () => [] }).get!('Namespace', '', 'dev');
      return recorder;
    };
    cache.set('after', '1', reading());
    cache.apply({ type: 'change', change: { kind: 'Namespace', type: 'ADDED', object: clusterScoped('dev') } });
    expect(cache.get('after')).toBeUndefined();
    // The object before the change had no namespace, the one after has (a store may hold both).
    cache.set('before', '1', reading());
    cache.apply({ type: 'change', change: { kind: 'Namespace', type: 'MODIFIED', object: clusterScoped('dev', 'elsewhere'), previous: clusterScoped('dev') } });
    expect(cache.get('before')).toBeUndefined();
  });
});

describe('a listing answered part by part, a few parts at a time', () => {
  it('executes at most 32 parts at once, and answers every pipeline in order', async () => {
    const demo = (await createSource({ type: 'demo' })) as SnapshotSource;
    const names = Array.from({ length: 100 }, (_, i) => `many-${String(i).padStart(3, '0')}`);
    for (const name of names) {
      demo.store.upsert('Pipeline', {
        apiVersion: 'wego.weave.works/v1alpha1',
        kind: 'Pipeline',
        metadata: { name, namespace: 'many' },
        spec: { stages: [{ name: 'dev', namespace: 'dev', order: 1 }] },
      } as unknown as KubeObject);
    }
    // Each part first reads its Pipeline; holding each such read for a turn of the event loop
    // shows how many parts are between their start and their first read at once.
    let reading = 0;
    let most = 0;
    const source = interceptedReads(counted(demo), async (kind) => {
      if (kind !== 'Pipeline') return;
      most = Math.max(most, ++reading);
      await new Promise((resolve) => setImmediate(resolve));
      reading--;
    });
    const client = clientFor(createApp({ source, logger: createLogger('silent') }));
    const data = expectNoErrors(await client.query('{ pipelines(approach: HYBRID, namespace: "many") { name stages { name } } }'));
    expect(data.pipelines.map((p: { name: string }) => p.name)).toEqual(names);
    expect(most).toBe(32);
  });
});

describe('inTurns', () => {
  it('starts nothing more once one piece of work has failed', async () => {
    const started: number[] = [];
    const failure = new Error('part 3 failed');
    const run = inTurns(10, 2, async (index) => {
      started.push(index);
      await new Promise((resolve) => setImmediate(resolve));
      if (index === 3) throw failure;
    });
    await expect(run).rejects.toBe(failure);
    // Let the other worker finish the piece it was on.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    // 0 and 1, then 2 and 3 as they free up, then 4 beside the failing 3: nothing after.
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs every piece once, in index order, with no more than atOnce at a time', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    await inTurns(7, 3, async (index) => {
      started.push(index);
      most = Math.max(most, ++running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
    });
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
    await inTurns(0, 3, async () => {
      throw new Error('no work to run');
    });
  });
});
