import { expect } from 'vitest';
import type { App } from '../../src/server/create-app.js';

export interface GraphQLErrorShape {
  message: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: Record<string, unknown> & { code?: string };
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: GraphQLErrorShape[];
}

export interface GraphQLClient {
  query<T = Record<string, any>>(
    document: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

function clientOver(fetchFn: Fetch, url: string): GraphQLClient {
  return {
    async query(document, variables, headers = {}) {
      const response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ query: document, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
  };
}

/** Executes documents in-process through Yoga's fetch: the whole HTTP handling path, no socket. */
export function clientFor(app: App): GraphQLClient {
  return clientOver((url, init) => Promise.resolve(app.fetch(url, init)), 'http://test.local/graphql');
}

/** Executes documents against a running server process, over a real socket. */
export function clientAt(baseUrl: string): GraphQLClient {
  return clientOver(fetch, `${baseUrl}/graphql`);
}

export function expectNoErrors<T>(response: GraphQLResponse<T>): T {
  expect(response.errors ?? []).toEqual([]);
  expect(response.data).toBeTruthy();
  return response.data as T;
}
