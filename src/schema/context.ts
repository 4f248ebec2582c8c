import type { Logger } from 'pino';
import type { PipelineService } from '../approaches/pipeline-service.js';

/** Made fresh for every request: loaders and their caches live exactly one request. */
export interface GraphQLContext {
  requestId: string;
  pipelines: PipelineService;
  logger: Logger;
}
