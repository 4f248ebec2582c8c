import type { Logger } from 'pino';
import type { PipelineService } from '../approaches/pipeline-service.js';
import type { ClusterReader, RequestScope } from '../cluster/reader.js';

/** Made fresh for every request: loaders and their caches live exactly one request. */
export interface GraphQLContext {
  requestId: string;
  pipelines: PipelineService;
  logger: Logger;
  /** The request's scope (its caller's identity included). */
  scope: RequestScope;
  /**
   * A reader for a scope, authorized for the scope's caller when callers are
   * authenticated. A subscription builds fresh loaders from it per event, so access is
   * re-checked (within the review cache's TTL) on every event.
   */
  readerFor(scope: RequestScope): ClusterReader;
  /**
   * Whether the caller's credentials still hold (cached like the first check): a
   * subscription asks per event and ends with UNAUTHENTICATED when not.
   */
  stillAuthenticated(): Promise<boolean>;
}
