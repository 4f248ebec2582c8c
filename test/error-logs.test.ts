// Unexpected failures are logged under the request's id without an async scope per request:
// the result processing takes a query's log, the event mapping a subscription event's.
import { describe, expect, it } from 'vitest';
import { createSource } from '../src/cluster/create-source.js';
import type { ClusterReader, ClusterSource } from '../src/cluster/reader.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/server/create-app.js';

function capturingLogger() {
  const lines: Record<string, any>[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** The demo source, whose every read fails in a way nobody expected. */
async function exploding(): Promise<ClusterSource> {
  const demo = await createSource({ type: 'demo' });
  const explode = new Proxy({} as ClusterReader, {
    get: (_target, property) => (property === 'freshness' ? undefined : () => Promise.reject(new Error('store exploded: secret-detail'))),
  });
  return { ...demo, description: demo.description, readerFor: () => explode, checkReady: () => demo.checkReady(), subscribe: demo.subscribe?.bind(demo), generation: demo.generation?.bind(demo) };
}

describe('unexpected errors in a subscription event', () => {
  it('are answered "Unexpected error." with the request id, and logged once under it', async () => {
    const { logger, lines } = capturingLogger();
    const app = createApp({ source: await exploding(), logger });
    const response = await app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-request-id': 'sub-1' },
      body: JSON.stringify({ query: 'subscription { pipeline(approach: HYBRID, name: "example-pipeline") { name } }' }),
    });
    const text = await response.text();
    expect(text).not.toContain('secret-detail');
    const next = /event: next\ndata: (.*)\n/.exec(text);
    expect(next).not.toBeNull();
    const event = JSON.parse(next![1]!);
    expect(event.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'sub-1' } })]);
    const logged = lines.filter((l) => l.msg === 'unexpected error');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ requestId: 'sub-1', level: 'error' });
    expect(logged[0]!.err.message).toContain('secret-detail');
  });
});
