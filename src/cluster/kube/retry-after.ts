import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException } from '@kubernetes/client-node';

/** As client-go does: a few retries, each only when the API server asks for one. */
const MAX_RETRIES = 5;
/** A Retry-After can say minutes; a query's deadline is seconds, so never wait longer than this. */
const MAX_WAIT_MS = 2_000;

/**
 * Runs a request again when the API server answers 429 or 5xx with a `Retry-After`
 * header. It does that while it is busy or (re)initialising a resource's watch
 * cache, for example the first seconds after it starts or after a CRD is
 * installed, and /readyz is already green then. Without a header the failure is
 * real and goes straight to the caller. An abort (deadline, client gone) ends the
 * wait at once with an AbortError.
 */
export async function retryingWhenAsked<T>(request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let retries = 0; ; retries++) {
    try {
      return await request();
    } catch (error) {
      const wait = retryAfterMs(error);
      if (wait === undefined || retries >= MAX_RETRIES) throw error;
      await sleep(wait, undefined, { signal });
    }
  }
}

/** The wait an ApiException asks for, or undefined when it asks for none. */
export function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof ApiException) || !(error.code === 429 || error.code >= 500)) return undefined;
  const headers = (error.headers ?? {}) as Record<string, string>;
  const name = Object.keys(headers).find((key) => key.toLowerCase() === 'retry-after');
  if (name === undefined) return undefined;
  // Kubernetes sends whole seconds; an HTTP date form is treated as "soon".
  const seconds = Number(headers[name]);
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1_000 : MAX_WAIT_MS;
  return Math.min(Math.max(ms, 100), MAX_WAIT_MS);
}
