import { createSourceEventStream, execute, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LivePipelineEvent } from '../approaches/live-pipeline.js';
import type { GraphQLContext } from '../schema/context.js';

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

const carriesService = (payload: unknown): payload is LivePipelineEvent =>
  typeof payload === 'object' && payload !== null && 'service' in payload;

/**
 * What a re-check compares: the data, and where each error is and its code, in a fixed
 * order. Field errors arrive in the order their reads finish, and of two refused reads at
 * one path (a stage's Kustomizations and HelmReleases) either may be reported: neither
 * says anything new about the answer.
 */
function comparable(result: ExecutionResult): string {
  const errors = result.errors?.map((e) => JSON.stringify([e.path ?? null, e.extensions?.code ?? null, e.extensions?.namespace ?? null])).sort();
  return JSON.stringify({ data: result.data, errors });
}

/**
 * Runs each subscription event with a context of its own. graphql-js executes every event
 * with the subscription's one context, so per-request caches (our loaders, Pothos'
 * DataLoaders) would answer event 2 with event 1's data; an event that brings a fresh
 * service gets a fresh context around it instead. `return()` goes straight to the source
 * stream, so a client that leaves is let go at once, even between events.
 */
export function useFreshContextPerEvent(): Plugin<GraphQLContext> {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const stream = await createSourceEventStream(args);
        if (!isAsyncIterable(stream)) return stream as ExecutionResult;
        const source = stream[Symbol.asyncIterator]();
        /** The last result sent, as JSON: a re-check event with the same answer is not sent again. */
        let lastSent: string | null = null;
        const run = async (payload: unknown): Promise<ExecutionResult> => {
          const base = args.contextValue as GraphQLContext;
          const contextValue = carriesService(payload) ? { ...base, pipelines: payload.service } : base;
          const result = await execute({ ...args, rootValue: payload, contextValue });
          // As for queries, every error of every event carries the request id.
          const errors = result.errors?.map(
            (e) => new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions: { ...e.extensions, requestId: base.requestId } }),
          );
          return errors ? { ...result, errors } : result;
        };
        const mapped: AsyncIterableIterator<ExecutionResult> = {
          [Symbol.asyncIterator]: () => mapped,
          async next() {
            for (;;) {
              const item = await source.next();
              if (item.done) return { done: true, value: undefined };
              const payload = item.value;
              // A re-check runs the whole document again with fresh, re-authorized loaders, so
              // a stage the caller may no longer read shows FORBIDDEN as in a query; when the
              // answer is the same, the client hears nothing.
              const result = await run(payload);
              const json = comparable(result);
              if (carriesService(payload) && payload.recheck && json === lastSent) continue;
              lastSent = json;
              return { done: false, value: result };
            }
          },
          async return() {
            await source.return?.();
            return { done: true, value: undefined };
          },
          async throw(error?: unknown) {
            await source.return?.();
            throw error;
          },
        };
        return mapped;
      });
    },
  };
}
