import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ERROR_CODES } from './errors.js';

/**
 * The service's Prometheus metrics, in one registry of their own (prom-client). Every
 * label value is from a bounded set: codes, limits, kinds and verbs are ours, and the one
 * client-chosen value, the operation name, is admitted for a fixed number of names only.
 * Nothing here imports cluster or schema code: the store and the subscription code are
 * wired to the functions below by the caller (see README, "Metrics").
 */
export const metricsRegistry = new Registry();

const PREFIX = 'flux_pipelines_';

/** Anything outside a label's known values is counted under this one. */
export const OTHER = 'other';

const requests = new Counter({
  name: `${PREFIX}graphql_requests_total`,
  help: 'GraphQL requests answered, by operation name and outcome ("ok" or the code of the first error).',
  labelNames: ['operation', 'outcome'] as const,
  registers: [metricsRegistry],
});

const requestDuration = new Histogram({
  name: `${PREFIX}graphql_request_duration_seconds`,
  help: 'Time from receiving a GraphQL request to its result, by operation name and outcome.',
  labelNames: ['operation', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
  registers: [metricsRegistry],
});

const errors = new Counter({
  name: `${PREFIX}graphql_errors_total`,
  help: 'GraphQL errors returned, by extensions.code.',
  labelNames: ['code'] as const,
  registers: [metricsRegistry],
});

const refusals = new Counter({
  name: `${PREFIX}refusals_total`,
  help: 'Requests and connections refused by a limit, by the limit.',
  labelNames: ['limit'] as const,
  registers: [metricsRegistry],
});

const kubeRequests = new Counter({
  name: `${PREFIX}kube_requests_total`,
  help: 'Kubernetes API requests finished, by kind, verb and HTTP status ("error" when there was no answer).',
  labelNames: ['kind', 'verb', 'code'] as const,
  registers: [metricsRegistry],
});

const kubeRequestDuration = new Histogram({
  name: `${PREFIX}kube_request_duration_seconds`,
  help: 'Duration of Kubernetes API requests (for a watch: until it was established), by kind, verb and status.',
  labelNames: ['kind', 'verb', 'code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

const openConnections = new Gauge({
  name: `${PREFIX}open_connections`,
  help: 'HTTP connections open on the API port.',
  registers: [metricsRegistry],
});

const openSubscriptions = new Gauge({
  name: `${PREFIX}open_subscriptions`,
  help: 'GraphQL subscriptions open.',
  registers: [metricsRegistry],
});

const pipelineParts = new Counter({
  name: `${PREFIX}pipeline_parts_total`,
  help: 'Pipelines of answers assembled part by part, by how each was answered: "kept" (a part reused, nothing it read changed), "compiled" (a listing item run by its compiled document), "interpreted" (by the executor: a root pipeline, a listing under 64 pipelines or not plain, an answer with errors).',
  labelNames: ['how'] as const,
  registers: [metricsRegistry],
});

// ---------------------------------------------------------------------------------
// Label values

/** The codes the service sends (src/errors.ts, the limits, GraphQL's own and HTTP refusals). */
const KNOWN_CODES = new Set<string>([
  // The service's own, every one: a code added there is a label value here too.
  ...ERROR_CODES,
  'QUERY_TOO_DEEP',
  'QUERY_TOO_COMPLEX',
  'TOO_MANY_ALIASES',
  'TOO_MANY_TOKENS',
  'TOO_MANY_FIELDS',
  'TOO_MANY_FRAGMENTS',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'CSRF_PREVENTED',
  'REQUEST_TOO_LARGE',
  'LENGTH_REQUIRED',
  'BAD_REQUEST',
  'NOT_ACCEPTABLE',
  'REQUEST_TIMEOUT',
  'TOO_MANY_CONNECTIONS',
  'INTERNAL_SERVER_ERROR',
]);

/** An error code as a label value: one of ours, else "other" (never a client's text). */
export function codeLabel(code: unknown): string {
  // A Set of strings has no other value: a number or undefined is not in it.
  return KNOWN_CODES.has(code as string) ? (code as string) : OTHER;
}

/** Error codes that mean a limit refused the request, and the limit's label value. */
export const LIMIT_OF_CODE: Readonly<Record<string, string>> = {
  TOO_MANY_TOKENS: 'tokens',
  QUERY_TOO_DEEP: 'depth',
  QUERY_TOO_COMPLEX: 'complexity',
  TOO_MANY_ALIASES: 'aliases',
  TOO_MANY_FIELDS: 'fields',
  TOO_MANY_FRAGMENTS: 'fragments',
  CSRF_PREVENTED: 'csrf',
  REQUEST_TOO_LARGE: 'body_size',
  LENGTH_REQUIRED: 'content_length',
  REQUEST_TIMEOUT: 'request_timeout',
  TOO_MANY_CONNECTIONS: 'connections',
};
const LIMITS = new Set([...Object.values(LIMIT_OF_CODE), 'batching', 'introspection']);

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** How many distinct operation names get a label value of their own. */
export const MAX_OPERATION_NAMES = 50;
const operationNames = new Set<string>();

/**
 * An operation name as a label value. Clients choose names, so only the first
 * MAX_OPERATION_NAMES distinct ones of documents that passed validation are admitted,
 * for the life of the process; any other is "other", as is every request whose document
 * did not validate; a valid one without a name is "anonymous".
 */
export function operationLabel(name: string | null | undefined, validated: boolean): string {
  if (!validated) return OTHER;
  if (name === null || name === undefined || name === '') return 'anonymous';
  if (operationNames.has(name)) return name;
  if ( !OPERATION_NAME.test(name) || operationNames.size >= MAX_OPERATION_NAMES) return OTHER;
  operationNames.add(name);
  return name;
}

const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;
const VERBS = new Set(['list', 'watch', 'get', 'create', 'update', 'patch', 'delete', 'discovery', 'readiness']);
const HTTP_STATUS = /^[1-5]\d\d$/;

// ---------------------------------------------------------------------------------
// What the service records

export function observeGraphQLRequest(e: { operation: string; outcome: string; seconds: number }): void {
  const labels = { operation: e.operation, outcome: e.outcome === 'ok' ? 'ok' : codeLabel(e.outcome) };
  requests.inc(labels);
  requestDuration.observe(labels, e.seconds);
}

export function countError(code: unknown): void {
  errors.inc({ code: codeLabel(code) });
}

/** How one pipeline of an answer assembled part by part was answered (see pipeline_parts_total). */
export function countPipelinePart(how: 'kept' | 'compiled' | 'interpreted'): void {
  pipelineParts.inc({ how });
}

/** A refusal by a limit: a label from LIMIT_OF_CODE's values, "batching" or "introspection". */
export function countRefusal(limit: string): void {
  refusals.inc({ limit: LIMITS.has(limit) ? limit : OTHER });
}

/** Contract 2: called by the Kubernetes source once per finished API request. */
export function observeKubeRequest(e: { kind: string; verb: string; code: string; seconds: number }): void {
  const labels = {
    kind: KIND.test(e.kind) ? e.kind : OTHER,
    verb: VERBS.has(e.verb) ? e.verb : OTHER,
    code: e.code === 'error' || HTTP_STATUS.test(e.code) ? e.code : OTHER,
  };
  kubeRequests.inc(labels);
  kubeRequestDuration.observe(labels, e.seconds);
}

/** Contract 3: call when a subscription starts; call what it returns when it ends (once). */
export function trackSubscription(): () => void {
  openSubscriptions.inc();
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    openSubscriptions.dec();
  };
}

/** One open connection on the API port; the returned function closes it (once). */
export function trackConnection(): () => void {
  openConnections.inc();
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    openConnections.dec();
  };
}

// ---------------------------------------------------------------------------------
// Figures read when scraped

/** Contract 1: the shape of ClusterSource.storeStats(); keys are kind names. */
export interface StoreStats {
  objects: Record<string, number>;
  watchRestarts: Record<string, number>;
  /** Epoch milliseconds of the last list, event or bookmark per kind; null before the first. */
  lastSyncAt: Record<string, number | null>;
}

let storeStats: () => StoreStats | undefined = () => undefined;

/** Where the store figures come from; the integrator passes `() => source.storeStats?.()`. */
export function setStoreStatsProvider(provider: () => StoreStats | undefined): void {
  storeStats = provider;
}

const kindsOf = (record: Record<string, unknown>) => Object.entries(record).filter(([kind]) => KIND.test(kind));

new Gauge({
  name: `${PREFIX}store_objects`,
  help: 'Objects held in the store, by kind.',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const [kind, n] of kindsOf(storeStats()?.objects ?? {})) this.set({ kind }, n as number);
  },
});

new Counter({
  name: `${PREFIX}store_watch_restarts_total`,
  help: 'Times the store restarted a watch (after an error, expiry or a gone resource version), by kind.',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const [kind, n] of kindsOf(storeStats()?.watchRestarts ?? {})) this.inc({ kind }, n as number);
  },
});

new Gauge({
  name: `${PREFIX}store_seconds_since_last_sync`,
  help: 'Seconds since the store last heard from the API server about a kind (list, event or bookmark).',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    const now = Date.now();
    for (const [kind, at] of kindsOf(storeStats()?.lastSyncAt ?? {})) {
      if (typeof at === 'number') this.set({ kind }, Math.max(0, (now - at) / 1000));
    }
  },
});

let documentCache: () => { bytes: number; size: number } = () => ({ bytes: 0, size: 0 });

/** Where the document cache figures come from (the server's bounded parse cache). */
export function setDocumentCacheProvider(provider: () => { bytes: number; size: number }): void {
  documentCache = provider;
}

new Gauge({
  name: `${PREFIX}document_cache_bytes`,
  help: 'Estimated bytes held by the cache of parsed, valid GraphQL documents.',
  registers: [metricsRegistry],
  collect() {
    this.set(documentCache().bytes);
  },
});

new Gauge({
  name: `${PREFIX}document_cache_entries`,
  help: 'Documents in the cache of parsed, valid GraphQL documents.',
  registers: [metricsRegistry],
  collect() {
    this.set(documentCache().size);
  },
});

let processMetrics = false;

/**
 * Process figures from prom-client: resident memory, heap, CPU, event-loop lag, open
 * handles, GC. Started by the server only (the CLI and tests in-process need none).
 */
export function startProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

/** The text exposition format, for GET /metrics. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}
