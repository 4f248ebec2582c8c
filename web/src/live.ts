import { createClient, type Client } from 'graphql-sse';
import { useEffect, useState } from 'preact/hooks';
import { authHeaders, UnauthenticatedError, type ApiError, type ApiResult } from './api';
import type { TypedDocumentString } from './gql/graphql';

/** Where the stream stands: the page shows it next to the data. */
export type Connection =
  | { state: 'connecting' }
  | { state: 'live' }
  | { state: 'reconnecting'; since: Date }
  | { state: 'ended'; since: Date }
  | { state: 'failed'; since: Date; message: string };

export interface LiveState<T> {
  connection: Connection;
  result: ApiResult<T> | null;
}

/** A refusal that retrying cannot fix (a 4xx answer). */
class RefusedError extends Error {}

/**
 * A client for one subscription: the graphql-sse protocol in "distinct connections" mode, which
 * Yoga serves (a JSON POST with `accept: text/event-stream`, so the server's CSRF check admits
 * it). Headers are read on every (re)connect. A dropped stream is reconnected, backing off to
 * 10 s (the server sends the full state on every new stream, so nothing is missed), but a 4xx is
 * not: graphql-sse retries every failed response alike, so the answer is kept here and the retry
 * hook throws it instead of waiting, which ends the subscription with that error.
 */
function sseClient(): Client {
  let refusal: Error | null = null;
  return createClient({
    url: '/graphql',
    headers: () => authHeaders(),
    fetchFn: async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const response = await fetch(input, init);
      if (response.status >= 400 && response.status < 500) {
        const body = (await response.clone().json().catch(() => null)) as { errors?: { message?: string }[] } | null;
        const message = body?.errors?.[0]?.message ?? `The server answered ${response.status}.`;
        refusal = response.status === 401 ? new UnauthenticatedError(message) : new RefusedError(message);
      }
      return response;
    },
    retryAttempts: Number.POSITIVE_INFINITY,
    retry: async (retries) => {
      if (refusal) throw refusal;
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** retries) * (0.75 + Math.random() / 2)));
    },
  });
}

/** Subscribes while the component is shown: every event replaces the result. No polling. */
export function useSubscription<T, V>(document: TypedDocumentString<T, V>, variables: V, onUnauthenticated: (message: string) => void): LiveState<T> {
  const [state, setState] = useState<LiveState<T>>({ connection: { state: 'connecting' }, result: null });
  const key = JSON.stringify(variables);
  useEffect(() => {
    setState({ connection: { state: 'connecting' }, result: null });
    const client = sseClient();
    const unsubscribe = client.subscribe<T>(
      { query: document.toString(), variables: variables as Record<string, unknown> },
      {
        next: (value) =>
          setState({
            connection: { state: 'live' },
            result: { data: (value.data ?? null) as T | null, errors: (value.errors ?? []) as unknown as ApiError[] },
          }),
        error: (error) => {
          if (error instanceof UnauthenticatedError) return onUnauthenticated(error.message);
          const message = Array.isArray(error) ? error.map((e: { message?: string }) => e.message).join('; ') : error instanceof Error ? error.message : String(error);
          setState((s) => ({ ...s, connection: { state: 'failed', since: new Date(), message } }));
        },
        complete: () => setState((s) => ({ ...s, connection: { state: 'ended', since: new Date() } })),
      },
      {
        connecting: (reconnecting) => {
          if (reconnecting) setState((s) => ({ ...s, connection: s.connection.state === 'reconnecting' ? s.connection : { state: 'reconnecting', since: new Date() } }));
        },
      },
    );
    return () => {
      unsubscribe();
      client.dispose();
    };
  }, [document, key]);
  return state;
}
