import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/cluster/kube-object.js';
import type { ClusterReader, ClusterSource, ListOptions, Readiness } from '../src/cluster/reader.js';
import type { ResourceKind } from '../src/cluster/resources.js';
import { ConfigError, DEFAULT_LIMITS, parseServerConfig, type GraphQLLimits, type ServerConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { schema } from '../src/schema/index.js';
import { createApp, type App } from '../src/server/create-app.js';
import { CSRF_HEADER } from '../src/server/hardening.js';
import { createHttpServer } from '../src/server/http-server.js';
import { measureQuery } from '../src/server/query-cost.js';
import { ALL_PIPELINES_QUERY, DEMO_LIST_CALLS, DEMO_PIPELINES, PIPELINE_QUERY } from './queries/demo-expectations.js';
import { demoSource } from './support/demo-app.js';
import { clientFor, expectNoErrors, type GraphQLResponse } from './support/graphql-client.js';
import { eventually, runNode, SERVER_ENTRY, startServer, type RunningServer } from './support/processes.js';

/*
 * The service's request hardening: validation-time limits (depth, fan-out complexity,
 * aliases, introspection), CSRF prevention, no batching, the per-query deadline, the
 * HTTP body limits, and the configuration that sets them.
 */

// ---------------------------------------------------------------------------------
// A fake source at the ClusterSource/ClusterReader interface that records every list call.

interface ListCall {
  kind: ResourceKind;
  namespace: string | null;
  signal: AbortSignal | undefined;
  /** Whether the signal had already aborted when the call was made. */
  abortedAtCall: boolean;
}

type ListFn = (kind: ResourceKind, namespace: string | null, options: ListOptions) => Promise<KubeObject[]>;

class RecordingSource implements ClusterSource {
  readonly description = 'recording fake';
  readonly calls: ListCall[] = [];

  constructor(private readonly listImpl: ListFn) {}

  readerFor(): ClusterReader {
    return {
      list: (kind, namespace, options = {}) => {
        this.calls.push({ kind, namespace, signal: options.signal, abortedAtCall: options.signal?.aborted ?? false });
        return this.listImpl(kind, namespace, options);
      },
    };
  }

  async checkReady(): Promise<Readiness> {
    return { ready: true, message: 'fake' };
  }

  reset(): void {
    this.calls.length = 0;
  }
}

/** Serves the built-in demo snapshot, recording calls. */
async function recordingDemo(): Promise<RecordingSource> {
  const demo = await demoSource();
  return new RecordingSource((kind, namespace, options) =>
    demo.readerFor({ requestId: 'test', signal: options.signal }).list(kind, namespace, options),
  );
}

/** A reader whose calls settle only when their signal aborts, then reject with its reason. */
function hangingSource(): RecordingSource {
  return new RecordingSource(
    (_kind, _namespace, { signal }) =>
      new Promise<KubeObject[]>((_resolve, reject) => {
        if (!signal) return reject(new Error('the reader was called without an abort signal'));
        if (signal.aborted) return reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  );
}

/** The reads a request made, as "<kind> <namespace or *>", sorted. */
const readsOf = (source: RecordingSource) => source.calls.map((c) => `${c.kind} ${c.namespace ?? '*'}`).sort();
/** Listing every pipeline reads the definition kinds across all namespaces, once each. */
const LISTING_READS = ['ConfigMap *', 'Pipeline *'];
/** ...plus, for every stage's releases and workloads, each kind in each stage namespace once. */
const ALL_PIPELINES_READS = [...LISTING_READS, ...DEMO_LIST_CALLS.filter((c) => !c.endsWith(' flux-system'))].sort();
const ALIASED_READS = ['ConfigMap *'];

const silent = createLogger('silent');
const appWith = (source: ClusterSource, limits: GraphQLLimits = DEFAULT_LIMITS): App => createApp({ source, logger: silent, limits });

async function postJson(app: App, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await app.fetch('http://test.local/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

/** The one error a rejected request carries, with nothing executed. */
function onlyError(response: GraphQLResponse) {
  expect(response).not.toHaveProperty('data');
  expect(response.errors).toHaveLength(1);
  return response.errors![0]!;
}

/** The selection set of the suite's full-detail pipeline query: every field down to images. */
const FULL_PIPELINE_SELECTION = (() => {
  const start = PIPELINE_QUERY.indexOf('{', PIPELINE_QUERY.indexOf('pipeline('));
  const end = PIPELINE_QUERY.lastIndexOf('}', PIPELINE_QUERY.lastIndexOf('}') - 1);
  return PIPELINE_QUERY.slice(start, end + 1);
})();

const READS_PIPELINES = '{ pipelines { name } }';

// ---------------------------------------------------------------------------------

describe('query depth', () => {
  const limits = { ...DEFAULT_LIMITS, maxDepth: 3 };
  let source: RecordingSource;
  let app: App;

  beforeAll(async () => {
    source = await recordingDemo();
    app = appWith(source, limits);
  });

  it('rejects a query nested deeper than maxDepth before reading anything', async () => {
    source.reset();
    const response = await clientFor(app).query('{ pipelines { stages { releases { name } } } }');
    expect(response.status).toBe(200);
    const error = onlyError(response);
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', actual: 4, limit: 3 });
    expect(error.message).toBe('Query depth is 4, over the limit of 3.');
    expect(source.calls).toEqual([]);
  });

  it('counts depth hidden in fragments', async () => {
    source.reset();
    const response = await clientFor(app).query(`{ pipelines { ...P } }
      fragment P on Pipeline { stages { ... on Stage { releases { name } } } }`);
    expect(onlyError(response).extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', actual: 4, limit: 3 });
    expect(source.calls).toEqual([]);
  });

  it('runs a query exactly at the limit', async () => {
    source.reset();
    const data = expectNoErrors(await clientFor(app).query('{ pipelines { stages { name } } }'));
    expect(data.pipelines).toHaveLength(DEMO_PIPELINES.length);
    expect(data.pipelines[0].stages.map((s: any) => s.name)).toEqual(['dev', 'staging', 'prod']);
    expect(readsOf(source)).toEqual(LISTING_READS);
  });
});

describe('query complexity', () => {
  const cost = (document: string) => measureQuery(schema, parse(document));
  const single = (selection: string) => cost(`{ pipeline(approach: HYBRID, name: "example-pipeline") ${selection} }`).complexity;
  const list = (selection: string) => cost(`{ pipelines ${selection} }`).complexity;

  it('prices the same selection higher under a list than under a single object, by a whole fan-out factor', () => {
    const selection = '{ name stages { name releases { name } } }';
    expect(list(selection)).toBeGreaterThan(single(selection));
    // Both are 1 (the root field) plus the subtree, which the list multiplies.
    const fanOut = (list(selection) - 1) / (single(selection) - 1);
    expect(Number.isInteger(fanOut)).toBe(true);
    expect(fanOut).toBeGreaterThanOrEqual(2);
    // The same factor for any selection: it belongs to the list field.
    const other = '{ id namespace }';
    expect((list(other) - 1) / (single(other) - 1)).toBe(fanOut);
  });

  it('multiplies nested lists: workloads { images { tag } } under releases costs far more than three scalars there', () => {
    const base = '{ stages { releases { name } } }';
    const withScalars = '{ stages { releases { name kind namespace version } } }';
    const withWorkloads = '{ stages { releases { name workloads { images { tag } } } } }';
    const scalarsAdded = single(withScalars) - single(base);
    const workloadsAdded = single(withWorkloads) - single(base);
    // Three fields each way, but workloads and images are lists under lists.
    expect(scalarsAdded).toBeGreaterThan(0);
    expect(workloadsAdded).toBeGreaterThan(2 * scalarsAdded);
    // Under pipelines, the same addition is multiplied again by the pipelines fan-out.
    const fanOut = (list(base) - 1) / (single(base) - 1);
    expect(list(withWorkloads) - list(base)).toBe(fanOut * workloadsAdded);
  });

  describe('through the app with default limits', () => {
    let source: RecordingSource;
    let app: App;

    beforeAll(async () => {
      source = await recordingDemo();
      app = appWith(source);
    });

    it('rejects two aliased full-detail pipelines selections as QUERY_TOO_COMPLEX, reading nothing', async () => {
      const document = `{\n${Array.from({ length: 2 }, (_, i) => `p${i}: pipelines ${FULL_PIPELINE_SELECTION}`).join('\n')}\n}`;
      const measured = measureQuery(schema, parse(document));
      expect(measured.depth).toBe(6); // pipelines > stages > releases > workloads > images > tag
      expect(measured.aliases).toBe(2); // within every other limit: complexity alone rejects it
      expect(measured.complexity).toBeGreaterThan(DEFAULT_LIMITS.maxComplexity);

      source.reset();
      const response = await clientFor(app).query(document);
      expect(response.status).toBe(200);
      const error = onlyError(response);
      expect(error.extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        actual: measured.complexity,
        limit: DEFAULT_LIMITS.maxComplexity,
      });
      expect(error.message).toBe(
        `Query complexity (estimated with list fan-out) is ${measured.complexity}, over the limit of ${DEFAULT_LIMITS.maxComplexity}.`,
      );
      expect(source.calls).toEqual([]);
    });

    it('runs the suite\'s ALL_PIPELINES_QUERY under the defaults', async () => {
      expect(measureQuery(schema, parse(ALL_PIPELINES_QUERY)).complexity).toBeLessThanOrEqual(DEFAULT_LIMITS.maxComplexity);
      source.reset();
      const data = expectNoErrors(await clientFor(app).query(ALL_PIPELINES_QUERY));
      expect(data.pipelines.map((p: any) => `${p.approach} ${p.name}`).sort()).toEqual(
        DEMO_PIPELINES.map((p) => `${p.approach} ${p.name}`).sort(),
      );
      expect(readsOf(source)).toEqual(ALL_PIPELINES_READS);
    });

    /** Fragment F0 spreads F1 twice, F1 spreads F2 twice, ...: 2^(n-1) uses of the last one. */
    const doublingFragments = (n: number) =>
      `{ pipelines { ...F0 } }\n` +
      Array.from({ length: n }, (_, i) =>
        i === n - 1 ? `fragment F${i} on Pipeline { name }` : `fragment F${i} on Pipeline { ...F${i + 1} ...F${i + 1} }`,
      ).join('\n');

    it('prices repeated fragment spreads per use and rejects their blow-up', async () => {
      const document = doublingFragments(16);
      const measured = measureQuery(schema, parse(document));
      expect(measured.complexity).toBeGreaterThan(DEFAULT_LIMITS.maxComplexity);
      source.reset();
      const error = onlyError(await clientFor(app).query(document));
      expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', actual: measured.complexity });
      expect(source.calls).toEqual([]);
    });

    // Each fragment spreads the next twice: priced naively that is O(2^n) work during
    // validation, before any limit is compared. Fragments are priced once, so it is refused fast.
    // With 60 fragments, pricing each use would take 2^59 steps: it would never finish, and
    // the test's own timeout is the (generous) ceiling. No wall-clock bound needed.
    it('rejects a nested-fragment blow-up without spending exponential time pricing it', async () => {
      // Over the default fragment limit (16), which would refuse it before pricing.
      const manyFragments = appWith(source, { ...DEFAULT_LIMITS, maxFragments: 64 });
      const document = doublingFragments(60);
      source.reset();
      const response = await clientFor(manyFragments).query(document);
      const error = onlyError(response);
      expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: DEFAULT_LIMITS.maxComplexity });
      expect(error.extensions!.actual).toBe(measureQuery(schema, parse(document)).complexity);
      expect(source.calls).toEqual([]);
    });
  });
});

describe('aliases', () => {
  let source: RecordingSource;
  let app: App;

  beforeAll(async () => {
    source = await recordingDemo();
    app = appWith(source);
  });

  const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: pipelines(approach: CM) { name }`).join(' ')} }`;

  it(`rejects ${DEFAULT_LIMITS.maxAliases + 1} aliases under the default limit of ${DEFAULT_LIMITS.maxAliases}, reading nothing`, async () => {
    expect(DEFAULT_LIMITS.maxAliases).toBe(20);
    source.reset();
    const error = onlyError(await clientFor(app).query(aliased(21)));
    expect(error.extensions).toMatchObject({ code: 'TOO_MANY_ALIASES', actual: 21, limit: 20 });
    expect(error.message).toBe('Query alias count is 21, over the limit of 20.');
    expect(source.calls).toEqual([]);
  });

  it('counts aliases inside fragments too', async () => {
    const document = `{ ...Q ${Array.from({ length: 10 }, (_, i) => `b${i}: __typename`).join(' ')} }
      fragment Q on Query { ${Array.from({ length: 11 }, (_, i) => `q${i}: __typename`).join(' ')} }`;
    expect(onlyError(await clientFor(app).query(document)).extensions).toMatchObject({ code: 'TOO_MANY_ALIASES', actual: 21 });
  });

  it('runs 20 aliases', async () => {
    source.reset();
    const data = expectNoErrors(await clientFor(app).query(aliased(20)));
    expect(Object.keys(data)).toHaveLength(20);
    expect(data.a19).toEqual([{ name: 'example-pipeline' }]);
    // Twenty aliases of one field share the request's loaders: one read, not twenty.
    expect(readsOf(source)).toEqual(ALIASED_READS);
  });
});

// ---------------------------------------------------------------------------------
// Raw HTTP over loopback, for what fetch would not send (a chunked body) and to see status codes.

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function rawRequest(
  url: string,
  { method = 'GET', headers = {}, body, chunks }: { method?: string; headers?: Record<string, string>; body?: string; chunks?: string[] },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (d) => (text += d));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
      response.on('error', reject);
    });
    // The server may answer and close before it reads the body; only an error before an answer counts.
    request.on('error', reject);
    if (chunks) for (const chunk of chunks) request.write(chunk);
    request.end(body);
  });
}

const json = (r: RawResponse) => JSON.parse(r.body) as any;

describe('request body limits (the server process, --max-body-bytes 1000)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(['--max-body-bytes', '1000']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    rawRequest(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      body,
    });

  /** A valid request body of exactly `bytes` bytes. */
  const bodyOf = (bytes: number) => {
    const bare = JSON.stringify({ query: '{ __typename }' });
    return JSON.stringify({ query: '{ __typename }' + ' '.repeat(bytes - bare.length) });
  };

  it('answers a small POST', async () => {
    const response = await post(JSON.stringify({ query: READS_PIPELINES }));
    expect(response.status).toBe(200);
    expect(json(response).data.pipelines).toHaveLength(DEMO_PIPELINES.length);
  });

  it('refuses a body over the limit with 413 REQUEST_TOO_LARGE naming both sizes, and closes the connection', async () => {
    const body = bodyOf(5000);
    expect(Buffer.byteLength(body)).toBe(5000);
    const response = await post(body);
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(json(response)).toEqual({
      errors: [
        { message: 'The request body is 5000 bytes, over the limit of 1000.', extensions: { code: 'REQUEST_TOO_LARGE', requestId: response.headers['x-request-id'] } },
      ],
    });
  });

  it('takes a body of exactly the limit and refuses one byte more', async () => {
    const atLimit = await post(bodyOf(1000));
    expect(atLimit.status).toBe(200);
    expect(json(atLimit)).toEqual({ data: { __typename: 'Query' } });
    const over = await post(bodyOf(1001));
    expect(over.status).toBe(413);
    expect(json(over).errors[0].message).toBe('The request body is 1001 bytes, over the limit of 1000.');
  });

  it('refuses a chunked POST without Content-Length with 411 LENGTH_REQUIRED', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const response = await rawRequest(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [body.slice(0, 10), body.slice(10)],
    });
    expect(response.status).toBe(411);
    expect(json(response)).toEqual({
      errors: [{ message: 'A POST needs a Content-Length header.', extensions: { code: 'LENGTH_REQUIRED', requestId: response.headers['x-request-id'] } }],
    });
  });
});

describe('CSRF prevention', () => {
  let source: RecordingSource;
  let app: App;

  beforeAll(async () => {
    source = await recordingDemo();
    app = appWith(source);
  });

  const CSRF_MESSAGE = `This request could have been sent cross-site by a browser. Send a JSON POST (content-type: application/json) or add the "${CSRF_HEADER}" header.`;

  it.each(['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'refuses a POST with content-type %s with 403 CSRF_PREVENTED, reading nothing',
    async (contentType) => {
      source.reset();
      const response = await app.fetch('http://test.local/graphql', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: JSON.stringify({ query: READS_PIPELINES }),
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ errors: [{ message: CSRF_MESSAGE, extensions: { code: 'CSRF_PREVENTED', requestId: expect.any(String) } }] });
      expect(source.calls).toEqual([]);
    },
  );

  it('refuses a POST with no content-type', async () => {
    source.reset();
    const response = await app.fetch('http://test.local/graphql', { method: 'POST', body: JSON.stringify({ query: READS_PIPELINES }) });
    expect(response.status).toBe(403);
    expect(source.calls).toEqual([]);
  });

  it(`refuses a GET query without the ${CSRF_HEADER} header, and runs it with the header`, async () => {
    const url = `http://test.local/graphql?query=${encodeURIComponent('{__typename}')}`;
    const bare = await app.fetch(url);
    expect(bare.status).toBe(403);
    expect((await bare.json()).errors[0].extensions.code).toBe('CSRF_PREVENTED');

    const withHeader = await app.fetch(url, { headers: { [CSRF_HEADER]: '1' } });
    expect(withHeader.status).toBe(200);
    expect(await withHeader.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('reads nothing for a refused GET query that would read the cluster', async () => {
    source.reset();
    const url = `http://test.local/graphql?query=${encodeURIComponent(READS_PIPELINES)}`;
    expect((await app.fetch(url)).status).toBe(403);
    expect(source.calls).toEqual([]);
    const allowed = await app.fetch(url, { headers: { [CSRF_HEADER]: '1' } });
    expect(allowed.status).toBe(200);
    expect((await allowed.json()).data.pipelines).toHaveLength(DEMO_PIPELINES.length);
    expect(readsOf(source)).toEqual(LISTING_READS);
  });

  it('still serves the GraphiQL page to a plain GET for HTML', async () => {
    const page = await app.fetch('http://test.local/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain('query ExamplePipeline');
  });

  it('runs a JSON POST', async () => {
    source.reset();
    const { status, json: body } = await postJson(app, { query: READS_PIPELINES });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.pipelines).toHaveLength(DEMO_PIPELINES.length);
    expect(readsOf(source)).toEqual(LISTING_READS);
  });
});

describe('no batching', () => {
  it('refuses a JSON array of operations with 400 BAD_REQUEST and executes none of them', async () => {
    const source = await recordingDemo();
    const app = appWith(source);
    const { status, json: body } = await postJson(app, [{ query: READS_PIPELINES }, { query: '{ pipelines(approach: CM) { name } }' }]);
    expect(status).toBe(400);
    expect(body).toEqual({ errors: [{ message: 'Batching is not supported.', extensions: { code: 'BAD_REQUEST', requestId: expect.any(String) } }] });
    expect(source.calls).toEqual([]);
  });
});

describe('introspection switch', () => {
  let on: App;
  let off: App;

  beforeAll(async () => {
    const source = await demoSource();
    on = appWith(source);
    off = appWith(source, { ...DEFAULT_LIMITS, introspection: false });
  });

  it('refuses __schema when off and answers it when on', async () => {
    const refused = await clientFor(off).query('{ __schema { types { name } } }');
    expect(refused).not.toHaveProperty('data');
    expect(refused.errors!.length).toBeGreaterThan(0);
    expect(refused.errors![0]).toMatchObject({
      message: 'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(onlyError(await clientFor(off).query('{ __type(name: "Pipeline") { name } }')).message).toContain(
      'introspection has been disabled',
    );

    const answered = expectNoErrors(await clientFor(on).query('{ __schema { types { name } } }'));
    expect(answered.__schema.types.map((t: any) => t.name)).toContain('Pipeline');
  });

  it('keeps __typename when off', async () => {
    expect(expectNoErrors(await clientFor(off).query('{ __typename }'))).toEqual({ __typename: 'Query' });
  });

  it('drops "Did you mean" suggestions when off, and keeps them when on', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      // Twice: a cached validation result must be scrubbed as well.
      const hidden = onlyError(await clientFor(off).query('{ pipelines { nam } }'));
      expect(hidden.message).toBe('Cannot query field "nam" on type "Pipeline".');
      expect(hidden.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    const enumLiteral = onlyError(await clientFor(off).query('{ pipeline(approach: HYBRI, name: "x") { name } }'));
    expect(enumLiteral.message).toBe('Value "HYBRI" does not exist in "Approach" enum.');

    const shown = onlyError(await clientFor(on).query('{ pipelines { nam } }'));
    expect(shown.message).toContain('Did you mean "name"?');
  });

  // Variable values are coerced at execution, after validation: their suggestions must go too.
  it('drops "Did you mean" from variable-value errors when off', async () => {
    const response = await clientFor(off).query('query($a: Approach!) { pipeline(approach: $a, name: "x") { name } }', { a: 'HYBRI' });
    const error = onlyError(response);
    expect(error.message).toContain('Value "HYBRI" does not exist in "Approach" enum.');
    expect(error.message).not.toContain('Did you mean');
  });

  it('does not serve GraphiQL when off', async () => {
    const page = await off.fetch('http://test.local/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(406);
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await page.text()).not.toMatch(/graphiql/i);
  });

  describe('the server process with --introspection false', () => {
    let server: RunningServer;

    beforeAll(async () => {
      server = await startServer(['--introspection', 'false']);
    });
    afterAll(async () => {
      await server?.stop();
    });

    const post = async (query: string) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    it('refuses introspection, hides suggestions and serves no GraphiQL, but answers queries', async () => {
      const schemaQuery = await post('{ __schema { types { name } } }');
      expect(schemaQuery.status).toBe(200);
      expect(schemaQuery.body.data).toBeUndefined();
      expect(schemaQuery.body.errors[0].message).toContain('introspection has been disabled');

      const typo = await post('{ pipelines { nam } }');
      expect(typo.body.errors).toEqual([expect.objectContaining({ message: 'Cannot query field "nam" on type "Pipeline".' })]);

      const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(406);
      expect(await page.text()).not.toMatch(/graphiql/i);

      const ok = await post(READS_PIPELINES);
      expect(ok.status).toBe(200);
      expect(ok.body.data.pipelines).toHaveLength(DEMO_PIPELINES.length);
    });
  });
});

describe('query deadline and cancellation', () => {
  const PIPELINE = '{ pipeline(approach: HYBRID, name: "example-pipeline") { name } }';

  it('answers DEADLINE_EXCEEDED when the deadline passes, aborting the in-flight read', async () => {
    const source = hangingSource();
    const app = appWith(source, { ...DEFAULT_LIMITS, queryTimeoutMs: 300 });
    const started = performance.now();
    const response = await clientFor(app).query(PIPELINE);
    // Time is the behaviour here: not before the deadline. No upper bound: the test timeout is the ceiling.
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ pipeline: null });
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]).toMatchObject({
      path: ['pipeline'],
      extensions: { code: 'DEADLINE_EXCEEDED', kind: 'Pipeline' },
    });
    expect(response.errors![0]!.message).toContain('cancelled');

    expect(source.calls.map((c) => `${c.kind} ${c.namespace}`)).toEqual(['Pipeline flux-system']);
    const [call] = source.calls;
    expect(call!.abortedAtCall).toBe(false);
    expect(call!.signal!.aborted).toBe(true);
    expect((call!.signal!.reason as Error).name).toBe('TimeoutError');
  });

  it('aborts the in-flight read when the caller of app.fetch goes away', async () => {
    const source = hangingSource();
    const app = appWith(source); // the 15 s default deadline is not what ends this
    const controller = new AbortController();
    // Yoga may reject the fetch once its signal aborts, or answer: either is fine here.
    const outcome = Promise.resolve(
      app.fetch('http://test.local/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: PIPELINE }),
        signal: controller.signal,
      }),
    ).then(
      (response: Response) => response.text().catch(() => ''),
      () => undefined,
    );

    await eventually(() => source.calls.length > 0);
    await turnsOfTheEventLoop(5);
    const signal = source.calls[0]!.signal!;
    expect(signal.aborted).toBe(false);
    controller.abort();
    await outcome;
    await eventually(() => signal.aborted);
    expect((signal.reason as Error).name).toBe('AbortError');
  });

  it('aborts the in-flight read when an HTTP client disconnects', async () => {
    const source = hangingSource();
    const app = appWith(source);
    const server = createHttpServer({ app, source, logger: silent, isDraining: () => false, maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const body = JSON.stringify({ query: PIPELINE });
      const request = http.request(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      });
      const closed = new Promise((r) => request.on('close', r));
      request.on('error', () => {}); // the reset we cause below
      request.end(body);

      await eventually(() => source.calls.length > 0);
      const signal = source.calls[0]!.signal!;
      await turnsOfTheEventLoop(5);
      expect(signal.aborted).toBe(false);
      request.destroy();
      await closed;
      await eventually(() => signal.aborted);
      expect((signal.reason as Error).name).toBe('AbortError');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

/** Lets pending I/O callbacks and timers that are already due run, without a fixed sleep. */
async function turnsOfTheEventLoop(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}


describe('limit configuration', () => {
  const limitsOf = (argv: string[], env: Record<string, string> = {}) => (parseServerConfig(argv, env) as ServerConfig).limits;

  const rejects = (argv: string[], env: Record<string, string>, message: string) => {
    let thrown: unknown;
    try {
      parseServerConfig(argv, env);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toBe(message);
  };

  it('defaults to DEFAULT_LIMITS', () => {
    expect(limitsOf([])).toEqual(DEFAULT_LIMITS);
  });

  it('rejects a depth that is not a positive integer, naming the option', () => {
    rejects(['--max-depth', '0'], {}, 'max-depth must be a positive integer, got "0"');
    rejects(['--max-depth', 'abc'], {}, 'max-depth must be a positive integer, got "abc"');
    rejects(['--max-depth=-3'], {}, 'max-depth must be a positive integer, got "-3"');
    rejects(['--max-depth', '2.5'], {}, 'max-depth must be a positive integer, got "2.5"');
  });

  it('rejects an introspection value other than true or false, naming the option', () => {
    rejects(['--introspection', 'maybe'], {}, 'introspection must be true or false, got "maybe"');
    rejects([], { FLUX_PIPELINES_INTROSPECTION: 'yes' }, 'introspection must be true or false, got "yes"');
  });

  it('reads FLUX_PIPELINES_MAX_DEPTH and FLUX_PIPELINES_INTROSPECTION from the env argument, flags winning', () => {
    const env = { FLUX_PIPELINES_MAX_DEPTH: '7', FLUX_PIPELINES_INTROSPECTION: 'false' };
    expect(limitsOf([], env)).toEqual({ ...DEFAULT_LIMITS, maxDepth: 7, introspection: false });
    expect(limitsOf(['--max-depth', '4', '--introspection', 'true'], env)).toMatchObject({ maxDepth: 4, introspection: true });
    rejects([], { FLUX_PIPELINES_MAX_DEPTH: 'abc' }, 'max-depth must be a positive integer, got "abc"');
    // Only the env argument counts, never process.env.
    const saved = process.env.FLUX_PIPELINES_MAX_DEPTH;
    process.env.FLUX_PIPELINES_MAX_DEPTH = '9';
    try {
      expect(limitsOf([], {}).maxDepth).toBe(DEFAULT_LIMITS.maxDepth);
    } finally {
      if (saved === undefined) delete process.env.FLUX_PIPELINES_MAX_DEPTH;
      else process.env.FLUX_PIPELINES_MAX_DEPTH = saved;
    }
  });

  it('reads every other limit flag', () => {
    expect(
      limitsOf(['--max-complexity', '5000', '--max-aliases', '3', '--max-body-bytes', '2048', '--query-timeout-ms', '250']),
    ).toEqual({ ...DEFAULT_LIMITS, maxComplexity: 5000, maxAliases: 3, maxBodyBytes: 2048, queryTimeoutMs: 250 });
  });

  it('makes the server process exit 1 on a bad limit, with the message on stderr', async () => {
    const finished = await runNode([SERVER_ENTRY, '--max-depth', '0']);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain('max-depth must be a positive integer, got "0"');
  });
});
