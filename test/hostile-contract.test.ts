import type { AddressInfo } from 'node:net';
import { parse, type GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { ClusterSource } from '../src/cluster/reader.js';
import { ConfigError, DEFAULT_LIMITS, parseServerConfig, type GraphQLLimits, type ServerConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { metricsRegistry } from '../src/metrics.js';
import { createApp, type App } from '../src/server/create-app.js';
import { useNotAcceptable } from '../src/server/hardening.js';
import { createHttpServer } from '../src/server/http-server.js';
import { BRACKET_MARGIN, checkDocumentShape, DocumentCache, estimateDocumentBytes, parseBounded, scanDocument } from '../src/server/document-limits.js';
import { demoSource } from './support/demo-app.js';
import { clientFor, expectNoErrors } from './support/graphql-client.js';

/*
 * Issue 7, outcomes 1 and 3, in-process: the document bounds one by one, the bounded
 * cache, and the error contract for what arrives before execution (every error has a code
 * and the request id, nothing the client sent is echoed, unexpected failures are logged
 * under the request id).
 */

function capturingLogger() {
  const lines: Record<string, any>[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function post(app: App, body: string, headers: Record<string, string> = {}) {
  const response = await app.fetch('http://test.local/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body,
  });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

const limits = (overrides: Partial<GraphQLLimits> = {}): GraphQLLimits => ({ ...DEFAULT_LIMITS, ...overrides });

/** A valid subscription of the demo: refused over a plain POST only by its response type. */
const A_SUBSCRIPTION = 'subscription { pipeline(approach: HYBRID, name: "example-pipeline") { name } }';

describe('document bounds, before parsing', () => {
  it('counts tokens (not comments or whitespace) and stops at the first one over', () => {
    expect(() => scanDocument(`{ ${'a '.repeat(999)}}`, limits())).toThrow('The document has more than 1000 tokens, the limit.');
    expect(() => scanDocument(`{ ${'a '.repeat(998)}}`, limits())).not.toThrow();
    expect(() => scanDocument(`# ${'x'.repeat(60_000)}\n{ a }`, limits())).not.toThrow();
  });

  it('measures bracket nesting without recursion: 20,000 levels are refused as QUERY_TOO_DEEP, naming where', () => {
    let error: any;
    try {
      scanDocument(`${'{a'.repeat(20_000)}${'}'.repeat(20_000)}`, limits({ maxTokens: 100_000 }));
    } catch (e) {
      error = e;
    }
    expect(error.extensions).toEqual({ code: 'QUERY_TOO_DEEP', limit: 10 });
    expect(error.message).toBe(`The document nests brackets more than ${10 + BRACKET_MARGIN} levels deep (at line 1, column ${2 * (10 + BRACKET_MARGIN) + 1}); the depth limit is 10.`);
    // Lists in arguments nest too: the parser recurses on them the same way.
    expect(() => scanDocument(`{ a(b: ${'['.repeat(50)}${']'.repeat(50)}) }`, limits())).toThrow(/nests brackets/);
  });
});

describe('document bounds, before validation', () => {
  const shape = (document: string, overrides: Partial<GraphQLLimits> = {}) => () => checkDocumentShape(parse(document), limits(overrides));

  it('counts each field once when nothing is repeated', () => {
    const fields = Array.from({ length: 10 }, (_, i) => `f${i}`).join(' ');
    expect(shape(`{ a { ${fields} } }`, { maxFields: 11 })).not.toThrow();
    expect(shape(`{ a { ${fields} } }`, { maxFields: 10 })).toThrow('The document selects more than 10 fields');
  });

  it('counts repeated fields more: n duplicates form n(n+1)/2, and what is under them counts n times', () => {
    // 20 x `b` in one set: 1 + 2 + ... + 20 = 210 (plus `a`).
    expect(shape(`{ a { ${'b '.repeat(20)} } }`, { maxFields: 211 })).not.toThrow();
    expect(shape(`{ a { ${'b '.repeat(20)} } }`, { maxFields: 210 })).toThrow(/more than 210 fields/);
    // Inline fragments merge into their selection set, as validation sees it.
    expect(shape(`{ a { ${'... on A { b } '.repeat(20)} } }`, { maxFields: 210 })).toThrow(/more than 210 fields/);
    // 3 x `c { d e }`: c counts 1+2+3 = 6; each of the three sub-selections counts 3 per field: 3 x 2 x 3 = 18.
    expect(shape(`{ ${'c { d e } '.repeat(3)} }`, { maxFields: 24 })).not.toThrow();
    expect(shape(`{ ${'c { d e } '.repeat(3)} }`, { maxFields: 23 })).toThrow(/more than 23 fields/);
  });

  it('refuses too many fragments and too many aliases with their counts', () => {
    const fragments = Array.from({ length: 17 }, (_, i) => `fragment F${i} on Query { a }`).join(' ');
    expect(shape(`{ a } ${fragments}`)).toThrow('The document defines 17 fragments, over the limit of 16.');
    expect(shape(`{ ${Array.from({ length: 21 }, (_, i) => `x${i}: a`).join(' ')} }`)).toThrow('Query alias count is 21, over the limit of 20.');
  });

  it('parses with graphql-js\'s own token limit as a second guard', () => {
    expect(parseBounded('{ a }', limits()).kind).toBe('Document');
  });
});

describe('the document cache', () => {
  const doc = (source: string) => parse(source);

  it('is bounded by estimated bytes, dropping the least recently used first', () => {
    const sources = Array.from({ length: 50 }, (_, i) => `{ pipelines { name } } # ${i} ${'x'.repeat(10_000)}`);
    const each = estimateDocumentBytes(sources[0]!, doc(sources[0]!));
    expect(each).toBeGreaterThan(20_000); // the source text counts, not only the tree
    const cache = new DocumentCache(10 * each);
    for (const source of sources) cache.set(source, doc(source));
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.bytes).toBeLessThanOrEqual(10 * each);
    expect(cache.get(sources[0]!)).toBeUndefined();
    expect(cache.get(sources[49]!)).toBeDefined();
  });

  it('keeps a document it just handed out over older ones', () => {
    const a = '{ a }';
    // Room for six documents of this size: seven are stored, so one goes.
    const cache = new DocumentCache(6 * estimateDocumentBytes('{ x0 }', doc('{ x0 }')) + 10);
    cache.set(a, doc(a));
    cache.set('{ x0 }', doc('{ x0 }'));
    cache.get(a);
    for (let i = 1; i <= 5; i++) cache.set(`{ x${i} }`, doc(`{ x${i} }`));
    expect(cache.size).toBe(6);
    expect(cache.get(a)).toBeDefined();
    expect(cache.get('{ x0 }')).toBeUndefined();
  });

  it('never takes one document of more than a quarter of its budget', () => {
    const cache = new DocumentCache(1_000);
    cache.set(`{ a } # ${'x'.repeat(1_000)}`, doc('{ a }'));
    expect(cache.size).toBe(0);
  });

  it('caches only documents that passed validation, and answers them again without re-parsing', async () => {
    const source = await demoSource();
    const app = createApp({ source, logger: createLogger('silent') });
    const client = clientFor(app);
    // The cache of the app created last is what the metrics report.
    const entries = async () => (await metricsRegistry.getSingleMetric('flux_pipelines_document_cache_entries')!.get()).values[0]!.value;
    expect(await entries()).toBe(0);
    const invalid = '{ pipelines { nope } }';
    for (let i = 0; i < 2; i++) {
      const answer = await client.query(invalid);
      expect(answer.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    expect(await client.query('{ pipelines { name '), 'a syntax error').toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    expect(await entries()).toBe(0);
    const valid = '{ pipelines(approach: CM) { name } }';
    for (let i = 0; i < 2; i++) expect(expectNoErrors(await client.query(valid))).toEqual({ pipelines: [{ name: 'example-pipeline' }] });
    expect(await entries()).toBe(1);
  });
});

describe('the error contract before execution', () => {
  let demo: ClusterSource;
  const app = async (logger = createLogger('silent'), source?: ClusterSource) => {
    demo ??= await demoSource();
    return createApp({ source: source ?? demo, logger });
  };

  it('does not echo a malformed JSON body (no originalError), and gives BAD_REQUEST with the request id', async () => {
    const answer = await post(await app(), '{"query": "{ pipelines { name } } top-secret-bytes', { 'x-request-id': 'bad-json-1' });
    expect(answer.text).not.toContain('top-secret');
    expect(JSON.parse(answer.text)).toEqual({
      errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST', requestId: 'bad-json-1' } }],
    });
  });

  it('gives a subscription operation over a JSON-only POST a code: NOT_ACCEPTABLE, 406, naming the response type that would do', async () => {
    const answer = await post(await app(), JSON.stringify({ query: A_SUBSCRIPTION }), { 'x-request-id': 'sub-json-1' });
    expect(answer.status).toBe(406);
    expect(JSON.parse(answer.text)).toEqual({
      errors: [
        {
          message: 'A subscription is answered as a stream of events: send it with the header "accept: text/event-stream" (utf-8).',
          extensions: { code: 'NOT_ACCEPTABLE', requestId: 'sub-json-1' },
        },
      ],
    });
  });

  it('gives a query whose accepted response types cannot carry it NOT_ACCEPTABLE, 406, with the types that can', async () => {
    const answer = await post(await app(), JSON.stringify({ query: '{ pipelines { name } }' }), { accept: 'text/html', 'x-request-id': 'html-1' });
    expect(answer.status).toBe(406);
    expect(answer.contentType).toBe('application/json; charset=utf-8');
    // The types Yoga's result processors offer, each once; nothing the client sent.
    expect(JSON.parse(answer.text)).toEqual({
      errors: [
        {
          message: 'None of the response types this request accepts can carry the answer: accept one of text/event-stream, multipart/mixed, application/graphql-response+json, application/json (utf-8).',
          extensions: { code: 'NOT_ACCEPTABLE', requestId: 'html-1' },
        },
      ],
    });
  });

  it('keeps an answer\'s own errors after NOT_ACCEPTABLE, so a refused document is still counted as such', async () => {
    const answer = await post(await app(), JSON.stringify({ query: '{ pipelines { name ' }), { accept: 'text/html' });
    expect(answer.status).toBe(406);
    const codes = JSON.parse(answer.text).errors.map((e: any) => e.extensions.code);
    expect(codes).toEqual(['NOT_ACCEPTABLE', 'GRAPHQL_PARSE_FAILED']);
  });

  it('names JSON when the request accepts no type in utf-8 (Yoga then offers none)', async () => {
    const answer = await post(await app(), JSON.stringify({ query: '{ pipelines { name } }' }), { accept: 'application/json; charset=latin1' });
    expect(answer.status).toBe(406);
    expect(JSON.parse(answer.text).errors[0].message).toBe('None of the response types this request accepts can carry the answer: accept one of application/json (utf-8).');
  });

  it('names the event stream for a subscription that accepts nothing in utf-8', async () => {
    const answer = await post(await app(), JSON.stringify({ query: A_SUBSCRIPTION }), { accept: 'text/event-stream; charset=latin1' });
    expect(answer.status).toBe(406);
    expect(JSON.parse(answer.text).errors).toEqual([
      expect.objectContaining({ message: 'A subscription is answered as a stream of events: send it with the header "accept: text/event-stream" (utf-8).' }),
    ]);
  });

  it('logs a refused stream that fails to close, and still answers NOT_ACCEPTABLE', async () => {
    const { logger, lines } = capturingLogger();
    const failing: AsyncIterableIterator<unknown> = {
      [Symbol.asyncIterator]: () => failing,
      next: async () => ({ done: true, value: undefined }),
      return: () => Promise.reject(new Error('close failed')),
    };
    let answer: unknown;
    const hook = useNotAcceptable(logger).onResultProcess!;
    await hook({
      result: failing,
      resultProcessor: undefined,
      acceptableMediaTypes: ['text/event-stream'],
      setResult: (value: unknown) => void (answer = value),
      setResultProcessor: () => undefined,
    } as unknown as Parameters<typeof hook>[0]);
    await new Promise((resolve) => setImmediate(resolve));
    expect((answer as { errors: GraphQLError[] }).errors.map((e) => e.extensions.code)).toEqual(['NOT_ACCEPTABLE']);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'closing a refused subscription failed', err: expect.objectContaining({ message: 'close failed' }) })]);
  });

  it('refuses a subscription of a field that is not one with GRAPHQL_VALIDATION_FAILED, before anything is opened', async () => {
    const answer = JSON.parse((await post(await app(), JSON.stringify({ query: 'subscription { pipelines { name } }' }))).text);
    expect(answer.errors).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED', requestId: expect.any(String) } })]);
  });

  it('gives a syntax error GRAPHQL_PARSE_FAILED', async () => {
    const answer = JSON.parse((await post(await app(), JSON.stringify({ query: '{ pipelines { name ' }))).text);
    expect(answer.errors).toEqual([expect.objectContaining({ message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: 'GRAPHQL_PARSE_FAILED', requestId: expect.any(String) } })]);
  });

  it('answers the 20,000-deep selection with QUERY_TOO_DEEP and the request id, not INTERNAL_SERVER_ERROR', async () => {
    const { logger, lines } = capturingLogger();
    const answer = await post(await app(logger), JSON.stringify({ query: `${'{a'.repeat(20_000)}${'}'.repeat(20_000)}` }), { 'x-request-id': 'deep-1' });
    const json = JSON.parse(answer.text);
    expect(json.errors).toHaveLength(1);
    expect(json.errors[0].extensions).toEqual({ code: 'QUERY_TOO_DEEP', limit: 10, requestId: 'deep-1' });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('logs an unexpected failure before execution under the request id, and answers only "Unexpected error."', async () => {
    const { logger, lines } = capturingLogger();
    const failing: ClusterSource = {
      description: 'failing',
      readerFor: () => {
        throw new Error('reader exploded: secret-detail');
      },
      checkReady: async () => ({ ready: true, message: 'ok' }),
    };
    const answer = await post(await app(logger, failing), JSON.stringify({ query: '{ pipelines { name } }' }), { 'x-request-id': 'boom-1' });
    expect(answer.text).not.toContain('secret-detail');
    const json = JSON.parse(answer.text);
    expect(json.errors).toEqual([{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'boom-1' } }]);
    const logged = lines.filter((l) => l.level === 'error');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ requestId: 'boom-1', msg: 'unexpected error' });
    expect(logged[0]!.err.message).toContain('secret-detail');
  });

  it('logs it under the request id through the HTTP server too (the request\'s async scope)', async () => {
    const { logger, lines } = capturingLogger();
    const failing: ClusterSource = {
      description: 'failing',
      readerFor: () => {
        throw new Error('reader exploded');
      },
      checkReady: async () => ({ ready: true, message: 'ok' }),
    };
    const server = createHttpServer({ app: await app(logger, failing), source: failing, logger, isDraining: () => false, maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'boom-2' },
        body: JSON.stringify({ query: '{ pipelines { name } }' }),
      });
      expect((await response.json()).errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'boom-2' });
      const logged = lines.filter((l) => l.level === 'error');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ requestId: 'boom-2', msg: 'unexpected error' });
      // Every line about the request names it.
      for (const line of lines) expect(line.requestId).toBe('boom-2');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('document limit configuration', () => {
  const limitsOf = (argv: string[], env: Record<string, string> = {}) => (parseServerConfig(argv, env) as ServerConfig).limits;

  it('reads the new limits from flags and environment variables, flags winning', () => {
    expect(limitsOf(['--max-tokens', '300', '--max-fields', '90', '--max-fragments', '4', '--document-cache-bytes', '65536'])).toMatchObject({
      maxTokens: 300,
      maxFields: 90,
      maxFragments: 4,
      documentCacheBytes: 65536,
    });
    const env = { FLUX_PIPELINES_MAX_TOKENS: '400', FLUX_PIPELINES_MAX_FIELDS: '80', FLUX_PIPELINES_MAX_FRAGMENTS: '2', FLUX_PIPELINES_DOCUMENT_CACHE_BYTES: '1024' };
    expect(limitsOf([], env)).toMatchObject({ maxTokens: 400, maxFields: 80, maxFragments: 2, documentCacheBytes: 1024 });
    expect(limitsOf(['--max-tokens', '500'], env).maxTokens).toBe(500);
  });

  it('refuses a depth the parser could not be kept safe at, and bad numbers, naming the option', () => {
    expect(() => limitsOf(['--max-depth', '101'])).toThrow(new ConfigError('max-depth must be at most 100, got "101"'));
    expect(() => limitsOf(['--max-tokens', 'lots'])).toThrow(new ConfigError('max-tokens must be a positive integer, got "lots"'));
  });

  it('takes effect in the app', async () => {
    const app = createApp({ source: await demoSource(), logger: createLogger('silent'), limits: limitsOf(['--max-tokens', '5']) });
    const answer = await clientFor(app).query('{ pipelines { name stages { name } } }');
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_TOKENS', limit: 5 });
  });
});
