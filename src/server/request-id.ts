import { randomUUID } from 'node:crypto';

/** The header a caller may send its own request id in; the service always sends one back. */
export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A request id from the caller when it is a sane token, else a fresh one. */
export function requestIdFrom(value: string | null | undefined): string {
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

const requestIds = new WeakMap<Request, string>();

/**
 * One id per request, whoever asks first: the GraphQL context, or a refusal raised
 * before there is one (CSRF, limits, validation).
 */
export function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (id === undefined) {
    id = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
    requestIds.set(request, id);
  }
  return id;
}
