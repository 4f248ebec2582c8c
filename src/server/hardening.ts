import { getOperationAST, GraphQLError, NoSchemaIntrospectionCustomRule, type DocumentNode } from 'graphql';
import { isAsyncIterable, processRegularResult, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GraphQLLimits } from '../config.js';
import { countError, countRefusal, LIMIT_OF_CODE, observeGraphQLRequest, operationLabel, setDocumentCacheProvider, trackSubscription } from '../metrics.js';
import { DocumentCache, parseBounded } from './document-limits.js';
import { queryLimitsRule } from './query-cost.js';
import { requestIdOf } from './request-id.js';

/** "Did you mean …?" describes the schema; with introspection off it must not be told. */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .*\?$/, '');
}

/** Validation-time limits: depth, fan-out complexity, aliases, and introspection when off. */
export function useQueryLimits(limits: GraphQLLimits): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(queryLimitsRule(limits));
      if (!limits.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      return ({ result, setResult }) => {
        // "Did you mean …?" would describe the schema that introspection is hiding.
        // Stryker disable next-line ConditionalExpression: with no errors the loop below does nothing and sets the same empty result
        if (limits.introspection || result.length === 0) return;
        for (const error of result) error.message = withoutSuggestions(error.message);
        setResult([...result]);
      };
    },
  };
}

const SIMPLE_CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];
export const CSRF_HEADER = 'x-graphql-csrf';

/**
 * A browser can send a cross-site "simple" request (a GET, or a POST with a form-like
 * content type) without a CORS preflight. GraphQL is only executed for requests that
 * could not have been sent that way: a JSON content type, or a custom header that
 * forces a preflight. GraphiQL's page itself (a plain GET for HTML) is still served.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method === 'GET' && !url.searchParams.has('query')) return; // the GraphiQL page
      if (request.headers.has(CSRF_HEADER)) return;
      const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (request.method === 'POST' && contentType !== '' && !SIMPLE_CONTENT_TYPES.includes(contentType)) return;
      countRefusal('csrf');
      countError('CSRF_PREVENTED');
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [
              {
                message: `This request could have been sent cross-site by a browser. Send a JSON POST (content-type: application/json) or add the "${CSRF_HEADER}" header.`,
                extensions: { code: 'CSRF_PREVENTED', requestId: requestIdOf(request) },
              },
            ],
          }),
          { status: 403, headers: { 'content-type': 'application/json; charset=utf-8' } },
        ),
      );
    },
  };
}

/**
 * What Yoga does when no response type the request accepts can carry its answer: a 406 with
 * no body and no code. For a subscription POSTed with `accept: application/json` it is worse:
 * the stream is already open by then, and nothing ends it, so each such request held one of
 * the --max-subscriptions slots until the process ended (three requests filled a cap of
 * three). Here the stream is ended, and the client gets a coded error naming the response
 * types that would do. An answer's own errors (a limit, a syntax error) are kept after it, so
 * the metrics still count them. Before the error contract and the metrics, which see it as
 * any other.
 */
export function useNotAcceptable(logger: Logger): Plugin {
  return {
    onResultProcess({ result, resultProcessor, acceptableMediaTypes, setResult, setResultProcessor }) {
      if (resultProcessor) return;
      const stream = isAsyncIterable(result);
      // Stryker disable next-line ConditionalExpression: equivalent, an answer that is no stream has no return() to call
      if (stream) {
        // Stryker disable next-line OptionalChaining: equivalent, every stream here (graphql-js's, envelop's wrappers) has a return()
        Promise.resolve((result as AsyncIterableIterator<unknown>).return?.()).catch((error: unknown) => logger.warn({ err: error }, 'closing a refused subscription failed'));
      }
      // Yoga offers nothing when every type the request names asks for a charset other than utf-8.
      const offered = acceptableMediaTypes.length > 0 ? [...new Set(acceptableMediaTypes)] : stream ? ['text/event-stream'] : ['application/json'];
      const types = offered.join(', ');
      const message = stream
        ? `A subscription is answered as a stream of events: send it with the header "accept: ${types}" (utf-8).`
        : `None of the response types this request accepts can carry the answer: accept one of ${types} (utf-8).`;
      // A stream (and a batch, which this service refuses earlier) has no errors of its own.
      const earlier = (result as { errors?: readonly GraphQLError[] }).errors ?? [];
      setResult({ errors: [new GraphQLError(message, { extensions: { code: 'NOT_ACCEPTABLE', http: { status: 406 } } }), ...earlier] });
      setResultProcessor(processRegularResult, 'application/json');
    },
  };
}

/**
 * Replaces Yoga's parse and validation cache (1,024 documents of any size, and parse
 * errors too). A document is scanned and counted before it is parsed and validated
 * (see document-limits.ts); only one that passed validation is cached, in a cache
 * bounded by estimated bytes. A cached document skips validation: the app's rules never
 * change. Needs `parserAndValidationCache: false` in createYoga.
 */
export function useBoundedDocuments(limits: GraphQLLimits): Plugin & { cache: DocumentCache } {
  const cache = new DocumentCache(limits.documentCacheBytes);
  setDocumentCacheProvider(() => cache);
  const sources = new WeakMap<DocumentNode, string>();
  const validated = new WeakSet<DocumentNode>();
  return {
    cache,
    onParse({ params, setParsedDocument }) {
      const source = typeof params.source === 'string' ? params.source : String(params.source?.body ?? params.source);
      const cached = cache.get(source);
      if (cached) return setParsedDocument(cached);
      let document: DocumentNode;
      try {
        document = parseBounded(source, limits);
      } catch (error) {
        // graphql-js's syntax errors carry no code; the limits' errors do.
        if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) throw error;
        throw new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
      }
      sources.set(document, source);
      setParsedDocument(document);
    },
    onValidate({ params: { documentAST }, setResult }) {
      if (validated.has(documentAST)) return setResult([]);
      return ({ result }) => {
        const source = sources.get(documentAST);
        if (result.length > 0 || source === undefined) return;
        validated.add(documentAST);
        cache.set(source, documentAST);
      };
    },
  };
}

/**
 * Request metrics: one count and one duration per GraphQL result, labelled with the
 * operation name (bounded: see operationLabel) and the outcome; one count per error code;
 * one refusal per limit that refused it; and the open-subscriptions gauge, from the moment
 * a subscription's stream exists until it ends or its client goes (contract 3, wired here
 * so the subscription code needs no metrics of its own).
 */
export function useRequestMetrics(): Plugin {
  const started = new WeakMap<Request, number>();
  // The name of the operation a request runs, known once its document passed validation.
  const operationNames = new WeakMap<Request, string | undefined>();
  return {
    onRequest({ request }) {
      started.set(request, performance.now());
    },
    onValidate({ context, params: { documentAST } }) {
      const { request, params } = context as { request?: Request; params?: { operationName?: string | null } };
      return ({ result }) => {
        if (request && result.length === 0) operationNames.set(request, getOperationAST(documentAST, params?.operationName)?.name?.value);
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ result }) {
          if (!result || typeof result !== 'object' || !(Symbol.asyncIterator in result)) return undefined;
          return { onEnd: trackSubscription() };
        },
      };
    },
    onResultProcess({ request, result }) {
      const start = started.get(request);
      if (start === undefined) return;
      started.delete(request); // one observation per request, even if results are processed again
      const errors = !Array.isArray(result) && result && typeof result === 'object' && 'errors' in result ? (result.errors ?? []) : [];
      for (const error of errors) {
        const code = error.extensions?.code;
        countError(code);
        if (typeof code === 'string' && LIMIT_OF_CODE[code]) countRefusal(LIMIT_OF_CODE[code]);
        else if (error.message.includes('introspection has been disabled')) countRefusal('introspection');
      }
      observeGraphQLRequest({
        operation: operationNames.has(request) ? operationLabel(operationNames.get(request), true) : operationLabel(undefined, false),
        outcome: errors.length === 0 ? 'ok' : String(errors[0]!.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
        seconds: (performance.now() - start) / 1000,
      });
    },
  };
}
