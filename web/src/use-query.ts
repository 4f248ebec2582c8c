import { useEffect, useState } from 'preact/hooks';
import { request, UnauthenticatedError, type ApiResult } from './api';
import type { TypedDocumentString } from './gql/graphql';

export type QueryState<T> = { status: 'loading' } | { status: 'failed'; message: string } | { status: 'done'; result: ApiResult<T> };

/** Runs one query when the component appears (and when its variables change); no polling. */
export function useQuery<T, V>(document: TypedDocumentString<T, V>, variables: V, onUnauthenticated: (message: string) => void): QueryState<T> {
  const [state, setState] = useState<QueryState<T>>({ status: 'loading' });
  const key = JSON.stringify(variables);
  useEffect(() => {
    const abort = new AbortController();
    setState({ status: 'loading' });
    request(document, variables, abort.signal).then(
      (result) => setState({ status: 'done', result }),
      (error: unknown) => {
        if (abort.signal.aborted) return;
        if (error instanceof UnauthenticatedError) onUnauthenticated(error.message);
        else setState({ status: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => abort.abort();
  }, [document, key]);
  return state;
}
