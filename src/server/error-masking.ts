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

type LogCall = [level: 'debug' | 'warn' | 'error', object: object, message: string];
const deferredLogs = new WeakMap<GraphQLError, LogCall[]>();

/** A masked error nobody took the log of in this time (a subscription's stream, say) is logged anyway. */
const UNCLAIMED_LOG_MS = 5_000;

/**
 * maskError for Yoga's own masking, which is not told the request. What it would log is
 * kept with the masked error and logged by whoever knows the request (the result
 * processing of a query, the event mapping of a subscription), via takeDeferredLog, under
 * the request id; if nobody does, by `logger` after a while.
 */
export function maskErrorDeferringLog(error: unknown, logger: Logger): GraphQLError {
  const calls: LogCall[] = [];
  const recorder = {
    debug: (object: object, message: string) => calls.push(['debug', object, message]),
    warn: (object: object, message: string) => calls.push(['warn', object, message]),
    error: (object: object, message: string) => calls.push(['error', object, message]),
  } as unknown as Logger;
  const masked = maskError(error, recorder);
  if (calls.length > 0) {
    deferredLogs.set(masked, calls);
    setTimeout(() => takeDeferredLog(masked)?.(logger), UNCLAIMED_LOG_MS).unref();
  }
  return masked;
}

/** The log calls kept for a masked error (once), to run against a request's logger. */
export function takeDeferredLog(error: GraphQLError): ((logger: Logger) => void) | undefined {
  const calls = deferredLogs.get(error);
  if (!calls) return undefined;
  deferredLogs.delete(error);
  return (logger) => {
    for (const [level, object, message] of calls) logger[level](object, message);
  };
}
