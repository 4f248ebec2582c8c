import type { TypedDocumentString } from './gql/graphql';

/** One GraphQL error as the server sends it: a stable code, and a path when one field failed. */
export interface ApiError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface ApiResult<T> {
  data: T | null;
  errors: ApiError[];
}

/** The server wants a token (with --auth token) and got none, or one it does not accept. */
export class UnauthenticatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

const TOKEN_KEY = 'flux-pipelines.token';

// The token lives in this tab's session storage only: closing the tab forgets it, and no other
// tab or later visit sees it.
export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function authHeaders(): Record<string, string> {
  const token = storedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Runs one operation against this server's /graphql (a JSON POST, which its CSRF check admits). */
export async function request<T, V>(document: TypedDocumentString<T, V>, variables: V, signal?: AbortSignal): Promise<ApiResult<T>> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authHeaders() },
    body: JSON.stringify({ query: document.toString(), variables }),
    signal,
  });
  const body = (await response.json().catch(() => null)) as { data?: T | null; errors?: ApiError[] } | null;
  if (response.status === 401) throw new UnauthenticatedError(body?.errors?.[0]?.message ?? 'This server needs a token.');
  if (!body || (body.data === undefined && !body.errors)) throw new Error(`The server answered ${response.status} without a GraphQL result.`);
  return { data: body.data ?? null, errors: body.errors ?? [] };
}

/** The errors whose path is exactly `path`, e.g. ['pipeline', 'stages', 1, 'releases']. */
export function errorsAt(errors: ApiError[], path: (string | number)[]): ApiError[] {
  return errors.filter((e) => e.path?.length === path.length && e.path.every((p, i) => p === path[i]));
}
