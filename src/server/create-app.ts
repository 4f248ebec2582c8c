import { assertValidSchema, GraphQLError } from 'graphql';
import { createYoga, type GraphiQLOptions, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { PipelineService } from '../approaches/pipeline-service.js';
import { ClusterLoaders } from '../cluster/loaders.js';
import type { AccessPolicy } from '../cluster/access/access-policy.js';
import { authorizingReader } from '../cluster/access/authorizing-reader.js';
import type { ClusterReader, ClusterSource, RequestScope } from '../cluster/reader.js';
import type { GraphQLContext, LiveContext } from '../schema/context.js';
import { schema } from '../schema/index.js';
import { listingPricer } from './query-cost.js';
import { DEFAULT_LIMITS, type GraphQLLimits } from '../config.js';
import { identityOf, stillAuthenticated, useAuthentication, type Authenticator } from './auth-plugin.js';
import { maskError, maskErrorDeferringLog, takeDeferredLog } from './error-masking.js';
import { useBoundedDocuments, useCsrfPrevention, useNotAcceptable, useQueryLimits, useRequestMetrics, withoutSuggestions } from './hardening.js';
import { requestIdOf } from './request-id.js';
import { ResultCache, useResultCache } from './result-cache.js';
import { partCacheFed, usePipelineParts } from './pipeline-parts.js';
import { CompiledParts, DEFAULT_MIN_ITEMS } from './compiled-parts.js';
import { useFreshContextPerEvent } from './subscription-events.js';
import { useBodyLimit } from './body-limit.js';
import { graphiqlPage } from './graphiql-page.js';

const EXAMPLE_QUERY = `# Every stage of the demo's HYBRID pipeline, in order, and what runs there.
# Try approach: CM (same name), CRD with "example-pipeline-crd", STAGE with
# "example-pipeline-stage", or the pipelines query for all of them.
query ExamplePipeline {
  pipeline(approach: HYBRID, name: "example-pipeline") {
    name
    approach
    stages {
      order
      name
      namespace
      releases {
        __typename
        name
        ready
        version
        ... on HelmRelease { chartName desiredChartVersion }
        workloads { name readyReplicas replicas images { repository tag } }
      }
    }
  }
}
`;

/**
 * `query` (read by Yoga's GraphiQL page, though not in its option type) and not only
 * `defaultQuery`: GraphiQL 5 restores its tabs from localStorage and, when no initial query is
 * given, opens a new empty tab beside them, so every visit after the first showed a blank editor
 * and running it answered "Unexpected <EOF>". With the example as the initial query the restored
 * tab holding it is selected instead; edits survive a reload through the `?query=` GraphiQL keeps
 * in the address.
 */
const GRAPHIQL_OPTIONS: GraphiQLOptions & { query: string } = {
  title: 'flux-pipelines-api',
  defaultQuery: EXAMPLE_QUERY,
  query: EXAMPLE_QUERY,
};

export interface AppOptions {
  source: ClusterSource;
  logger: Logger;
  limits?: GraphQLLimits;
  subscriptions?: SubscriptionOptions;
  /** Counts open subscriptions (metrics); returns the decrement. */
  trackSubscription?: () => () => void;
  /** Per-user access (`--auth token|proxy`): who the caller is, and what they may read. Absent: `--auth none`. */
  access?: AppAccess;
  /** Estimated bytes of query answers kept for reuse while the source is unchanged; 0: none. */
  resultCacheBytes?: number;
  /** The smallest `pipelines` listing whose per-pipeline part runs compiled (see compiled-parts.ts). */
  compileListingsOf?: number;
}

/** Enough for a few hundred typical answers and a few of the largest (all pipelines of a big fleet). */
export const DEFAULT_RESULT_CACHE_BYTES = 64 * 1024 * 1024;

export interface AppAccess {
  authenticator: Authenticator;
  policy: AccessPolicy;
  /** Pre-filled in GraphiQL's Headers tab, to show how a token is sent. */
  graphiqlHeaders?: Record<string, string>;
}

export interface SubscriptionOptions {
  /** Open subscriptions per process; one more is refused with TOO_MANY_SUBSCRIPTIONS. */
  maxOpen: number;
  /** Changes closer together than this are sent as one event. */
  coalesceMs: number;
}

export const DEFAULT_SUBSCRIPTIONS: SubscriptionOptions = { maxOpen: 100, coalesceMs: 200 };

export type App = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/**
 * The contract every error of a result meets, whether execution raised it or a check
 * before execution did (parse, validation, limits, batching, a request Yoga could not
 * read): it carries the request id and a code, and nothing the client sent is echoed
 * (Yoga puts the JSON parser's message, which quotes the body, in `originalError`).
 * Unexpected failures that Yoga masked before there was a request logger are logged
 * here, under the request id.
 */
function useErrorsWithRequestId(logger: Logger): Plugin<GraphQLContext> {
  return {
    onResultProcess({ request, result, setResult }) {
      if (Array.isArray(result) || !result || typeof result !== 'object' || !('errors' in result) || !result.errors?.length) return;
      const requestId = requestIdOf(request);
      const requestLogger = logger.child({ requestId });
      const errors = result.errors.map((error) => {
        takeDeferredLog(error)?.(requestLogger);
        const { originalError: _echo, ...extensions } = error.extensions ?? {};
        const code = extensions.code ?? (error.path ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
        if (error.extensions?.requestId === requestId && error.extensions.code !== undefined && !('originalError' in error.extensions)) return error;
        const { nodes, source, positions, path, originalError } = error;
        return new GraphQLError(error.message, { nodes, source, positions, path, originalError, extensions: { ...extensions, code, requestId } });
      });
      setResult({ ...result, errors });
    },
  };
}

/**
 * Runs the error contract on execution errors, logging with the request's logger: of a
 * query's result, and of each event of a subscription (whose errors Yoga's masking would
 * otherwise log without the request id: it is not told the request). Errors without a path
 * are about the request itself (variable values that do not coerce): they get
 * BAD_USER_INPUT, and no "did you mean" when introspection is off.
 */
function useErrorContract(logger: Logger, introspection: boolean): Plugin<GraphQLContext> {
  const contract = (errors: readonly GraphQLError[], requestLogger: Logger): GraphQLError[] =>
    errors.map((e) => {
      // Already masked by Yoga (the order of the two is Yoga's): log what it kept back here.
      takeDeferredLog(e)?.(requestLogger);
      const masked = maskError(e, requestLogger);
      if (!masked.path && masked.extensions.code === undefined) {
        masked.extensions.code = 'BAD_USER_INPUT';
        if (!introspection) masked.message = withoutSuggestions(masked.message);
      }
      return masked;
    });
  return {
    onExecute({ args }) {
      const context = args.contextValue as GraphQLContext;
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors) return;
          setResult({ ...result, errors: contract(result.errors, context.logger ?? logger) });
        },
      };
    },
    onSubscribe({ args }) {
      const context = args.contextValue as GraphQLContext;
      return {
        onSubscribeResult() {
          return {
            onNext({ result, setResult }) {
              if (!result.errors?.length) return;
              setResult({ ...result, errors: contract(result.errors, context.logger ?? logger) });
            },
          };
        },
      };
    },
  };
}

/**
 * Puts the per-request context on Yoga's context object, its lazy parts as getters. Yoga's
 * `context` option merges with Object.assign, which would call every getter at once and
 * build what a cached answer never uses.
 */
function useRequestContext(attach: (request: Request, context: object) => void): Plugin<GraphQLContext> {
  return {
    onContextBuilding({ context }) {
      attach((context as unknown as { request: Request }).request, context);
    },
  };
}

const deadlines = new WeakMap<Request, NodeJS.Timeout>();

/**
 * A request's deadline. Unlike AbortSignal.timeout, its timer is cleared once the answer is
 * sent (useDeadlineRelease): a timer left to fire keeps the request's signal, context and
 * loaders alive for the whole deadline (15 s of requests, ~20 KB each under load), and
 * builds a TimeoutError with a stack for nothing when it fires.
 */
function deadlineFor(request: Request, ms: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The query deadline passed.', 'TimeoutError')), ms);
  deadlines.set(request, timer);
  return controller.signal;
}

/** Clears a query's deadline timer once its answer is sent; a subscription's stream keeps it. */
function useDeadlineRelease(): Plugin<GraphQLContext> {
  return {
    onResponse({ request, response }) {
      if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) return;
      const timer = deadlines.get(request);
      if (timer !== undefined) clearTimeout(timer);
      deadlines.delete(request);
    },
  };
}

/** The GraphQL app: schema, per-request context, error contract. It does not listen. */
export function createApp({
  source,
  logger,
  limits = DEFAULT_LIMITS,
  access,
  subscriptions = DEFAULT_SUBSCRIPTIONS,
  trackSubscription,
  resultCacheBytes = DEFAULT_RESULT_CACHE_BYTES,
  compileListingsOf = DEFAULT_MIN_ITEMS,
}: AppOptions): App {
  // graphql-js validates a schema on its first execution and remembers the result: tens of
  // milliseconds that would otherwise fall on the first caller after /readyz turns 200.
  assertValidSchema(schema);
  // The first localeCompare of a process sets up ICU collation (9 to 14 ms measured on Node
  // 20); every list answer is sorted with it (byNamespaceAndName), so it is done here.
  'a'.localeCompare('b');
  let openSubscriptions = 0;
  const acquire = (): (() => void) | null => {
    if (openSubscriptions >= subscriptions.maxOpen) return null;
    openSubscriptions++;
    const untrack = trackSubscription?.();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      openSubscriptions--;
      untrack?.();
    };
  };
  // Every read of a scope goes through here: the source's reader, authorized for the
  // scope's caller when callers are authenticated. Subscriptions call it per event.
  const readerFor = (scope: RequestScope, onDecision?: (validUntil: number) => void, minRemainingMs = 0): ClusterReader =>
    access ? authorizingReader(source.readerFor(scope), access.policy.forRequest(scope.identity, onDecision, minRemainingMs)) : source.readerFor(scope);
  // A subscription evaluates at least every half TTL and then trusts only review answers
  // with half a TTL left (made less than half a TTL ago): a revocation at time t is seen by
  // the first evaluation after t + TTL/2, which comes by t + TTL. Re-checking every TTL with
  // answers of any age would take up to two TTLs.
  const recheckMs = access ? access.policy.ttlMs / 2 : undefined;
  const generation = source.generation?.bind(source);
  const resultCache = generation && resultCacheBytes > 0 ? useResultCache(new ResultCache(resultCacheBytes), generation) : null;
  const pipelineParts =
    generation && source.subscribe && resultCacheBytes > 0
      ? usePipelineParts(partCacheFed(resultCacheBytes, source.subscribe.bind(source)), generation, new CompiledParts(compileListingsOf))
      : null;
  const graphiqlHeaders = access?.graphiqlHeaders ? { headers: JSON.stringify(access.graphiqlHeaders, null, 2) } : {};
  // Makes Yoga's context object of a request (`target`) a GraphQLContext.
  const requestContext = (request: Request, target: object): void => {
    const requestId = requestIdOf(request);
    let validUntil = Infinity;
    const onDecision = (until: number) => {
      validUntil = Math.min(validUntil, until);
    };
    // Built on first use: an answer served from the result cache needs none of it (no
    // deadline timer, no signal, no loaders, no child logger), and a query that runs
    // reaches for it as its first resolver starts, within the same tick as before.
    let signal: AbortSignal | undefined;
    let pipelines: PipelineService | undefined;
    let requestLogger: Logger | undefined;
    let live: LiveContext | undefined;
    // Aborts in-flight Kubernetes calls when the deadline passes or the client goes away.
    // The request's deadline as a time too: every service of the request (its own, and each
    // per-pipeline part's) refuses reads after this one instant, however late it was made.
    let deadlineAt = 0;
    const signalOf = () => {
      if (!signal) {
        deadlineAt = Date.now() + limits.queryTimeoutMs;
        signal = AbortSignal.any([request.signal, deadlineFor(request, limits.queryTimeoutMs)]);
      }
      return signal;
    };
    const scope: RequestScope = {
      requestId,
      identity: identityOf(request),
      get signal() {
        return signalOf();
      },
    };
    // The scope's (authorized) reader is made now, not on first use: a source or an access
    // policy that fails to give one fails the request before execution, as it always did.
    const reader = readerFor(scope, onDecision);
    // Per-request loaders over a reader of the scope; subscriptions build new ones per event.
    // Whether any service the request builds (its own, each per-pipeline part's) had a read fail.
    let readFailed = false;
    const noteFailure = () => {
      readFailed = true;
    };
    const service = (deadline: AbortSignal, over: ClusterReader, until: number) => new PipelineService(new ClusterLoaders(over, deadline, until, noteFailure));
    const context = target as GraphQLContext;
    context.resultValidUntil = () => validUntil;
    context.readFailed = () => readFailed;
    context.requestId = requestId;
    context.scope = scope;
    context.readerFor = readerFor;
    context.pipelinesThrough = (wrap) => service(signalOf(), wrap(reader), deadlineAt);
    context.stillAuthenticated = (minRemainingMs?: number) => stillAuthenticated(request, minRemainingMs);
    let pricing: GraphQLContext['priceListing'];
    context.priceListing = (at, count) => (pricing ??= listingPricer(schema, limits.maxComplexity))(at, count);
    // Getters, not values: Object.assign or a spread would call them (see useRequestContext).
    Object.defineProperties(context, {
      logger: { enumerable: true, configurable: true, get: () => (requestLogger ??= logger.child({ requestId })) },
      pipelines: { enumerable: true, configurable: true, get: () => (pipelines ??= service(signalOf(), reader, deadlineAt)) },
      live: {
        enumerable: true,
        configurable: true,
        get: (): LiveContext =>
          (live ??= {
            freshPipelines: (wrap) => {
              const deadline = AbortSignal.any([request.signal, AbortSignal.timeout(limits.queryTimeoutMs)]);
              return service(deadline, wrap(readerFor({ requestId, identity: scope.identity, signal: deadline }, onDecision, recheckMs)), Date.now() + limits.queryTimeoutMs);
            },
            subscribe: source.subscribe?.bind(source),
            acquire,
            maxOpen: subscriptions.maxOpen,
            coalesceMs: subscriptions.coalesceMs,
            recheckMs,
            signal: request.signal,
          }),
      },
    });
  };
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Bounded by useBodyLimit instead, without a stream pipeline per request.
    maxRequestBodySize: false,
    // One operation per request: batching would multiply every per-query limit.
    batching: false,
    // No CORS headers: browsers on other origins cannot read answers (later: per-user reads).
    cors: false,
    logging: false,
    graphiql: limits.introspection ? { ...GRAPHIQL_OPTIONS, ...graphiqlHeaders } : false,
    // GraphiQL with every script, style and editor worker inlined: Yoga's default page loads
    // them from a CDN and stays blank on a machine without internet. Rendered on the first
    // request for it, off the heap (see graphiql-page.ts).
    renderGraphiQL: graphiqlPage,
    // Replaced by useBoundedDocuments: Yoga's own cache holds 1,024 documents of any size.
    parserAndValidationCache: false,
    // Yoga does not pass the request: the masking finds its id (see maskErrorDeferringLog).
    maskedErrors: { maskError: (error) => maskErrorDeferringLog(error, logger) },
    plugins: [
      useRequestContext(requestContext),
      ...(access ? [useAuthentication(access.authenticator, logger)] : []),
      useCsrfPrevention(),
      useBodyLimit(limits.maxBodyBytes),
      useBoundedDocuments(limits),
      useQueryLimits(limits),
      useNotAcceptable(logger),
      useErrorContract(logger, limits.introspection),
      useErrorsWithRequestId(logger),
      useRequestMetrics(),
      useFreshContextPerEvent(),
      useDeadlineRelease(),
      // Last: a served answer skips execution only, never the checks and limits before it.
      ...(resultCache ? [resultCache] : []),
      // After the result cache: a repeat is served whole; what runs is assembled per pipeline.
      ...(pipelineParts ? [pipelineParts] : []),
    ],
  });
}
