import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { PipelineApiError } from '../errors.js';

/**
 * The one error contract. Expected failures (PipelineApiError) keep their message and
 * gain `extensions.code` plus the kind/namespace/name of the object at fault. GraphQL's
 * own errors (parse, validation) pass unchanged. Everything else becomes
 * "Unexpected error." and is logged in full here, never sent. Idempotent, so it is
 * safe whichever of Yoga's masking and ours sees an error first.
 */
export function maskError(error: unknown, logger: Logger): GraphQLError {
  const graphqlError = error instanceof GraphQLError ? error : null;
  const original = graphqlError ? graphqlError.originalError : error;
  const location = graphqlError
    ? { nodes: graphqlError.nodes, source: graphqlError.source, positions: graphqlError.positions, path: graphqlError.path }
    : {};

  if (original instanceof PipelineApiError) {
    // The cause (an API server Status, say) is for operators only; clients get our wording.
    if (original.cause !== undefined) logger.warn({ err: original.cause, code: original.code, path: graphqlError?.path }, original.message);
    else logger.debug({ code: original.code, object: original.object, path: graphqlError?.path }, original.message);
    return new GraphQLError(original.message, {
      ...location,
      extensions: { ...graphqlError?.extensions, code: original.code, ...original.object },
    });
  }
  if (graphqlError && (original === undefined || original === null || original instanceof GraphQLError)) {
    return original instanceof GraphQLError ? new GraphQLError(original.message, { ...location, extensions: original.extensions }) : graphqlError;
  }
  logger.error({ err: original, path: graphqlError?.path }, 'unexpected error');
  return new GraphQLError('Unexpected error.', {
    ...location,
    extensions: { ...graphqlError?.extensions, code: 'INTERNAL_SERVER_ERROR' },
  });
}
