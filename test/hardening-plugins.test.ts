// The request-hardening plugins (src/server/hardening.ts) one by one, on a small Yoga app of
// their own: "Did you mean" scrubbing with introspection off, which requests CSRF prevention
// lets through, and the bounded document cache (only valid documents are kept, a syntax
// error is GRAPHQL_PARSE_FAILED, a limit error keeps its own code).
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type GraphQLLimits } from '../src/config.js';
import { metricsRegistry } from '../src/metrics.js';
import { CSRF_HEADER, useBoundedDocuments, useCsrfPrevention, useQueryLimits, withoutSuggestions } from '../src/server/hardening.js';

const schema = createSchema({
  typeDefs: 'type Query { hello(kind: Kind): String, thing: Thing } type Thing { name: String } enum Kind { LOUD QUIET }',
  resolvers: { Query: { hello: (_: unknown, { kind }: { kind?: string }) => (kind === 'LOUD' ? 'HELLO' : 'hello'), thing: () => ({ name: 'x' }) } },
});

function app(plugins: Plugin[]) {
  return createYoga({ schema, plugins, parserAndValidationCache: false, graphiql: false, maskedErrors: false, batching: false });
}
const post = (yoga: ReturnType<typeof app>, query: string, headers: Record<string, string> = {}) =>
  yoga.fetch('http://test.local/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

describe('withoutSuggestions', () => {
  it.each([
    ['Cannot query field "nam" on type "Thing". Did you mean "name"?', 'Cannot query field "nam" on type "Thing".'],
    ['Value "LOU" does not exist in "Kind" enum. Did you mean the enum value "LOUD" or "QUIET"?', 'Value "LOU" does not exist in "Kind" enum.'],
    ['Did you mean "name"?', ''],
    ['Cannot query field "x".', 'Cannot query field "x".'],
    ['Did you mean "name"? Then ask again.', 'Did you mean "name"? Then ask again.'],
    ['Something. Did you mean it', 'Something. Did you mean it'],
  ])('%j → %j', (message, scrubbed) => {
    expect(withoutSuggestions(message)).toBe(scrubbed);
  });
});

describe('useQueryLimits', () => {
  const limits = (introspection: boolean): GraphQLLimits => ({ ...DEFAULT_LIMITS, introspection, maxDepth: 2 });

  it('with introspection off: refuses __schema and drops suggestions, but keeps the limit errors', async () => {
    const yoga = app([useQueryLimits(limits(false))]);
    expect((await (await post(yoga, '{ __schema { queryType { name } } }')).json()).errors[0].message).toBe(
      'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
    );
    expect((await (await post(yoga, '{ thing { nam } }')).json()).errors.map((e: { message: string }) => e.message)).toEqual(['Cannot query field "nam" on type "Thing".']);
    expect((await (await post(yoga, '{ thing { name } hello }')).json()).data).toEqual({ thing: { name: 'x' }, hello: 'hello' });
  });

  it('with introspection on: answers __schema, keeps suggestions, and still applies the limits', async () => {
    const yoga = app([useQueryLimits(limits(true))]);
    expect((await (await post(yoga, '{ __schema { queryType { name } } }')).json()).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await (await post(yoga, '{ thing { nam } }')).json()).errors[0].message).toBe('Cannot query field "nam" on type "Thing". Did you mean "name"?');
    const deep = await (await post(yoga, '{ thing { name } }')).json();
    expect(deep.data).toEqual({ thing: { name: 'x' } });
    const tooDeep = useQueryLimits({ ...limits(true), maxDepth: 1 });
    expect((await (await post(app([tooDeep]), '{ thing { name } }')).json()).errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', actual: 2, limit: 1 });
  });
});

describe('useCsrfPrevention', () => {
  const yoga = app([useCsrfPrevention()]);
  const ask = (init: RequestInit & { query?: boolean }) =>
    yoga.fetch(`http://test.local/graphql${init.query === false ? '' : `?query=${encodeURIComponent('{ hello }')}`}`, init);

  it('runs a JSON POST whatever the case, spacing and parameters of its content type', async () => {
    for (const type of ['application/json', 'Application/JSON; charset=utf-8', ' application/graphql-response+json ']) {
      const response = await yoga.fetch('http://test.local/graphql', { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify({ query: '{ hello }' }) });
      expect(response.status, type).not.toBe(403);
    }
  });

  it('refuses a form-like POST whatever the case of its content type, unless it carries the header', async () => {
    const refused = await yoga.fetch('http://test.local/graphql', { method: 'POST', headers: { 'content-type': 'Text/Plain' }, body: JSON.stringify({ query: '{ hello }' }) });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await refused.json();
    expect(body.errors[0].extensions.code).toBe('CSRF_PREVENTED');
    const withHeader = await yoga.fetch('http://test.local/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CSRF_HEADER]: '' },
      body: JSON.stringify({ query: '{ hello }' }),
    });
    expect(await withHeader.json()).toEqual({ data: { hello: 'hello' } });
  });

  it('refuses a form-like type written with a space before its parameters, and a POST with no content type at all', async () => {
    const spaced = await yoga.fetch('http://test.local/graphql', { method: 'POST', headers: { 'content-type': 'text/plain ; charset=utf-8' }, body: JSON.stringify({ query: '{ hello }' }) });
    expect(spaced.status).toBe(403);
    // A byte body gets no content type from fetch (a string body would be sent as text/plain).
    const untyped = await yoga.fetch('http://test.local/graphql', { method: 'POST', body: new TextEncoder().encode(JSON.stringify({ query: '{ hello }' })) });
    expect(untyped.status).toBe(403);
    expect((await untyped.json()).errors[0].extensions.code).toBe('CSRF_PREVENTED');
  });

  it('counts a refusal as a CSRF_PREVENTED error and a csrf refusal', async () => {
    const value = async (name: string, labels: Record<string, string>) =>
      (await metricsRegistry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
    const errors = await value('flux_pipelines_graphql_errors_total', { code: 'CSRF_PREVENTED' });
    const refusals = await value('flux_pipelines_refusals_total', { limit: 'csrf' });
    expect((await ask({ method: 'GET' })).status).toBe(403);
    expect(await value('flux_pipelines_graphql_errors_total', { code: 'CSRF_PREVENTED' })).toBe(errors + 1);
    expect(await value('flux_pipelines_refusals_total', { limit: 'csrf' })).toBe(refusals + 1);
  });

  it('lets a plain GET without a query through (the GraphiQL page), and refuses a GET with one', async () => {
    expect((await ask({ method: 'GET', query: false })).status).not.toBe(403);
    expect((await ask({ method: 'GET' })).status).toBe(403);
    expect(await (await ask({ method: 'GET', headers: { [CSRF_HEADER]: 'yes' } })).json()).toEqual({ data: { hello: 'hello' } });
  });
});

describe('useBoundedDocuments', () => {
  const limits: GraphQLLimits = { ...DEFAULT_LIMITS, maxTokens: 40 };

  it('caches a document once it passed validation, and answers it again from the cache', async () => {
    const plugin = useBoundedDocuments(limits);
    const yoga = app([plugin]);
    expect(await (await post(yoga, '{ hello }')).json()).toEqual({ data: { hello: 'hello' } });
    expect(plugin.cache.size).toBe(1);
    expect(await (await post(yoga, '{ hello }')).json()).toEqual({ data: { hello: 'hello' } });
    expect(plugin.cache.size).toBe(1);
    expect(await (await post(yoga, '{ hello(kind: LOUD) }')).json()).toEqual({ data: { hello: 'HELLO' } });
    expect(plugin.cache.size).toBe(2);
  });

  it('never caches a document that failed validation, and validates it every time', async () => {
    const plugin = useBoundedDocuments(limits);
    const yoga = app([plugin]);
    for (let i = 0; i < 2; i++) {
      const body = await (await post(yoga, '{ nope }')).json();
      expect(body.errors.map((e: { message: string }) => e.message)).toEqual(['Cannot query field "nope" on type "Query".']);
    }
    expect(plugin.cache.size).toBe(0);
  });

  it('answers a syntax error GRAPHQL_PARSE_FAILED with its location, and caches nothing', async () => {
    const plugin = useBoundedDocuments(limits);
    const body = await (await post(app([plugin]), '{ hello ')).json();
    expect(body.errors).toEqual([
      expect.objectContaining({ message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 9 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
    ]);
    expect(plugin.cache.size).toBe(0);
  });

  it('keeps a limit\'s own code when the document is refused before parsing', async () => {
    const body = await (await post(app([useBoundedDocuments({ ...limits, maxTokens: 3 })]), '{ hello thing { name } }')).json();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('TOO_MANY_TOKENS');
  });
});
