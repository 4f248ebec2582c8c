import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/cluster/kube-object.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/server/create-app.js';
import { fixtureSource } from './support/fixtures.js';
import { clientFor } from './support/graphql-client.js';


/** Many valid CM definitions: decoding them all is long work for one query. */
function manyDefinitions(n: number): KubeObject[] {
  return Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `pipeline-${i}`, namespace: 'flux-system', uid: `u${i}` },
    data: { pipelines: 'stages:\n- name: dev\n  namespace: dev\n  order: 1\n- name: prod\n  namespace: prod\n  order: 2\n' },
  }));
}

describe('deadlines over long work', () => {
  it('ends a listing that outlives its deadline with DEADLINE_EXCEEDED, not late data', async () => {
    const source = fixtureSource(manyDefinitions(20_000));
    const app = createApp({ source, logger: createLogger('silent'), limits: { ...DEFAULT_LIMITS, queryTimeoutMs: 20, maxComplexity: 10_000_000 } });
    const response = await clientFor(app).query('{ pipelines(approach: CM) { name stages { name } } }');
    expect(response.data).toBeNull();
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['DEADLINE_EXCEEDED']);
  });

  it('gives the same listing in full with a deadline it can meet', async () => {
    const source = fixtureSource(manyDefinitions(2_000));
    const app = createApp({ source, logger: createLogger('silent'), limits: { ...DEFAULT_LIMITS, maxComplexity: 10_000_000 } });
    const response = await clientFor(app).query('{ pipelines(approach: CM) { name } }');
    expect(response.errors).toBeUndefined();
    expect(response.data.pipelines).toHaveLength(2_000);
  });
});
