import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryingWhenAsked } from './retry-after.js';

const answer = (code: number, headers: Record<string, string> = {}) => new ApiException(code, `HTTP ${code}`, '', headers);

/** A request that fails with the given errors in turn, then succeeds; counts its calls. */
function flaky(...failures: unknown[]) {
  const request = async () => {
    request.calls++;
    const failure = failures.shift();
    if (failure !== undefined) throw failure;
    return 'listed';
  };
  request.calls = 0;
  return request;
}

describe('retryAfterMs', () => {
  it.each([
    ['429 with Retry-After: 1', answer(429, { 'retry-after': '1' }), 1_000],
    ['503 with Retry-After: 0 (waits a little anyway)', answer(503, { 'Retry-After': '0' }), 100],
    ['429 asking for minutes (capped)', answer(429, { 'retry-after': '120' }), 2_000],
    ['429 with an HTTP-date', answer(429, { 'retry-after': 'Wed, 25 Nov 2026 23:59:00 GMT' }), 2_000],
  ])('waits for %s', (_what, error, expected) => {
    expect(retryAfterMs(error)).toBe(expected);
  });

  it.each([
    ['429 without Retry-After', answer(429)],
    ['403 with Retry-After', answer(403, { 'retry-after': '1' })],
    ['404', answer(404, { 'retry-after': '1' })],
    ['a network error', new TypeError('fetch failed')],
  ])('does not retry %s', (_what, error) => {
    expect(retryAfterMs(error)).toBeUndefined();
  });
});

describe('retryingWhenAsked', () => {
  it('retries while the API server asks, then returns the answer', async () => {
    const request = flaky(answer(429, { 'retry-after': '0' }), answer(429, { 'retry-after': '0' }));
    await expect(retryingWhenAsked(request)).resolves.toBe('listed');
    expect(request.calls).toBe(3);
  });

  it('passes a failure that asks for no retry through after one call', async () => {
    const forbidden = answer(403);
    const request = flaky(forbidden);
    await expect(retryingWhenAsked(request)).rejects.toBe(forbidden);
    expect(request.calls).toBe(1);
  });

  it('gives up after five retries with the last answer', async () => {
    const busy = Array.from({ length: 7 }, () => answer(429, { 'retry-after': '0' }));
    const request = flaky(...busy);
    await expect(retryingWhenAsked(request)).rejects.toBe(busy[5]);
    expect(request.calls).toBe(6);
  });

  it('stops waiting the moment the request is aborted', async () => {
    const controller = new AbortController();
    // Had the wait not ended on the abort, the second call would succeed and the
    // promise would resolve with 'listed' instead of rejecting.
    const request = flaky(answer(429, { 'retry-after': '1' }));
    const abortOnceAnswered = async () => {
      try {
        return await request();
      } finally {
        setImmediate(() => controller.abort());
      }
    };
    await expect(retryingWhenAsked(abortOnceAnswered, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(request.calls).toBe(1);
  });
});
