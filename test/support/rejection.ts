import { expect } from 'vitest';
import { PipelineApiError } from '../../src/errors.js';

/** The coded error a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<PipelineApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PipelineApiError);
  return error as PipelineApiError;
}
