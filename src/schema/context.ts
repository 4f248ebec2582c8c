import type { FieldNode, FragmentDefinitionNode, OperationDefinitionNode } from 'graphql';
import type { Logger } from 'pino';
import type { PipelineService } from '../approaches/pipeline-service.js';
import type { ClusterReader, RequestScope, SourceEvent } from '../cluster/reader.js';

/** What subscriptions need beyond a query: fresh reads per event, the change feed, a cap. */
export interface LiveContext {
  /**
   * A fresh per-request service (new loaders, a new deadline, the same scope and the same
   * reader decorators as a query), reading through `wrap`: built for every event, so each
   * event reads current data and is authorized again.
   */
  freshPipelines(wrap: (reader: ClusterReader) => ClusterReader): PipelineService;
  /** The source's change feed; absent for a source that never changes. */
  subscribe?: (listener: (event: SourceEvent) => void) => () => void;
  /** Takes one of the open-subscription slots; null when all are taken. Returns the release. */
  acquire(): (() => void) | null;
  maxOpen: number;
  coalesceMs: number;
  /**
   * With per-user access: how often a quiet subscription re-checks its caller (half the
   * review cache TTL); its evaluations reuse only review answers with this long left, so a
   * revocation ends it within one TTL.
   */
  recheckMs?: number;
  /** The request's own signal: aborted when the client goes away. */
  signal: AbortSignal;
}

/** Where a `pipelines` listing stands in its document (a resolver's info has all three). */
export interface ListingAt {
  operation: OperationDefinitionNode;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  fieldNodes: readonly FieldNode[];
}

/** Made fresh for every request: loaders and their caches live exactly one request. */
export interface GraphQLContext {
  requestId: string;
  pipelines: PipelineService;
  logger: Logger;
  live?: LiveContext;
  /**
   * A fresh service over this request's reader wrapped by `wrap` (new loaders, the request's
   * deadline and scope): a `pipelines` answer assembled per pipeline records each
   * pipeline's reads through it (src/server/pipeline-parts.ts).
   */
  pipelinesThrough?(wrap: (reader: ClusterReader) => ClusterReader): PipelineService;
  /** The request's scope (its caller's identity included). */
  scope: RequestScope;
  /**
   * Prices a `pipelines` listing again once it knows how many pipelines it returns, and
   * throws QUERY_TOO_COMPLEX when its operation is then over the complexity limit
   * (src/server/query-cost.ts). Called before any pipeline's fields resolve.
   */
  priceListing?(at: ListingAt, count: number): void;
  /**
   * A reader for a scope, authorized for the scope's caller when callers are
   * authenticated. A subscription builds fresh loaders from it per event, so access is
   * re-checked (within the review cache's TTL) on every event.
   */
  readerFor(scope: RequestScope): ClusterReader;
  /**
   * Whether the caller's credentials still hold (cached like the first check; with
   * `minRemainingMs`, only a cached answer with that long left counts): a subscription
   * asks per event and ends with UNAUTHENTICATED when not.
   */
  stillAuthenticated(minRemainingMs?: number): Promise<boolean>;
  /**
   * Until when (epoch ms) this request's answer may be reused: the earliest expiry of the
   * access decisions it relied on (Infinity when callers are not authorized one by one).
   */
  resultValidUntil?(): number;
  /**
   * Whether a read of this request failed or was refused (deadline, client gone): its answer
   * may hold that as data without an error (a health of UNKNOWN) and is not to be kept.
   */
  readFailed?(): boolean;
}
