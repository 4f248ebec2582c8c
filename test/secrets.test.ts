import { Writable } from 'node:stream';
import { isScalarType } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/cluster/kube-object.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { schema } from '../src/schema/index.js';
import { createApp } from '../src/server/create-app.js';
import { configMap, deployment, fixtureSource, helmRelease, kustomization, PIPELINE_LABEL, pipelineObject } from './support/fixtures.js';
import { clientFor } from './support/graphql-client.js';
import { selectAll } from './support/select-all.js';

// One unique canary per hiding place, so a leak names the place it came from.
const CANARY = {
  values: 'canary-helm-values-2c9f',
  valuesFrom: 'canary-helm-valuesfrom-81aa',
  lastApplied: 'canary-last-applied-5d0e',
  env: 'canary-container-env-77b1',
  secret: 'canary-secret-data-e4f2',
  substitute: 'canary-postbuild-substitute-93c4',
  otherConfigKey: 'canary-configmap-other-key-0a6d',
};

const lastApplied = (extra: string) => ({ 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { values: { token: extra } } }) });
const label = { [PIPELINE_LABEL]: 'leaky' };

function world(): KubeObject[] {
  const hr = helmRelease('dev', 'web', label);
  hr.metadata.annotations = lastApplied(CANARY.lastApplied);
  (hr.spec as any).values = { auth: { password: CANARY.values } };
  (hr.spec as any).valuesFrom = [{ kind: 'Secret', name: CANARY.valuesFrom, valuesKey: 'values.yaml' }];
  const ks = kustomization('dev', 'app', label, { metadata: { name: 'app', namespace: 'dev', labels: label, annotations: lastApplied(CANARY.lastApplied) } });
  (ks.spec as any).postBuild = { substitute: { token: CANARY.substitute } };
  const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'dev' }, data: { password: Buffer.from(CANARY.secret).toString('base64'), plain: CANARY.secret } };
  return [
    pipelineObject('leaky', { stages: [{ name: 'dev', namespace: 'dev', order: 1 }] }),
    pipelineObject('leaky-crd', { stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'HelmRelease', name: 'web' }, { kind: 'Kustomization', name: 'missing' }] }] }, 'v1alpha2'),
    configMap('leaky', { pipelines: 'stages:\n  - {name: dev, namespace: dev, order: 1}\n', other: CANARY.otherConfigKey }),
    configMap('broken', { pipelines: `stages:\n  - name: [${CANARY.otherConfigKey}\n` }),
    hr,
    ks,
    secret,
    deployment('dev', 'web', { 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'dev' }, [
      { name: 'web', image: 'app:1', env: [{ name: 'DB_PASSWORD', value: CANARY.env }], args: [`--token=${CANARY.env}`] },
    ]),
    deployment('dev', 'app', { 'kustomize.toolkit.fluxcd.io/name': 'app', 'kustomize.toolkit.fluxcd.io/namespace': 'dev' }, [
      { name: 'app', image: 'app:2', env: [{ name: 'API_KEY', value: CANARY.env }] },
    ]),
  ];
}

describe('nothing secret leaves the service', () => {
  it('has no free-form JSON fields: every scalar in the schema is a built-in one', () => {
    const scalars = Object.values(schema.getTypeMap()).filter((t) => isScalarType(t) && !t.name.startsWith('__'));
    expect(scalars.map((t) => t.name).sort()).toEqual(['Boolean', 'Float', 'ID', 'Int', 'String']);
  });

  it('exposes no canary through any field, error or log line, at the most verbose log level', async () => {
    let logs = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((logs += chunk.toString()), done()) });
    // Every field at once is far over the default document bounds: lift them, since the point here is what the answers hold.
    const limits = { ...DEFAULT_LIMITS, maxTokens: 1_000_000, maxFields: 1_000_000, maxDepth: 100, maxComplexity: Number.MAX_SAFE_INTEGER };
    const app = createApp({ source: fixtureSource(world()), logger: createLogger('trace', sink), limits });
    const client = clientFor(app);
    const everything = selectAll(schema, schema.getType('Pipeline')!);

    const responses = [
      await client.query(`{ pipelines { ${everything} } }`),
      await client.query(`{ pipeline(approach: HYBRID, name: "leaky") { ${everything} } }`),
      await client.query(`{ pipeline(approach: CRD, name: "leaky-crd") { ${everything} } }`),
      await client.query(`{ pipeline(approach: CM, name: "leaky") { ${everything} } }`),
      await client.query(`{ pipeline(approach: CM, name: "broken") { name } }`),
    ];

    // Every query executed (none was refused before execution) ...
    for (const response of responses) expect(response.data, JSON.stringify(response.errors)).toBeTruthy();
    // ... the listing reached every definition, the broken one as null with its error ...
    const listed = responses[0]!.data!.pipelines;
    expect(listed.map((p: any) => p && `${p.approach} ${p.name}`)).toEqual(['HYBRID leaky', 'CRD leaky-crd', null, 'CM leaky']);
    expect(responses[0]!.errors!.map((e) => [e.path, e.extensions?.code])).toEqual(
      expect.arrayContaining([[['pipelines', 2], 'INVALID_PIPELINE_DEFINITION']]),
    );
    for (const pipeline of listed.filter(Boolean)) {
      const names = pipeline.stages[0].releases.map((r: any) => r?.name ?? null).sort();
      expect(names).toEqual(pipeline.approach === 'CRD' ? [null, 'web'] : ['app', 'web']);
    }
    // ... and so did the single-pipeline queries.
    const hybrid = responses[1]!.data!.pipeline;
    const releases = hybrid.stages[0].releases;
    expect(releases.map((r: any) => r.name).sort()).toEqual(['app', 'web']);
    expect(releases.flatMap((r: any) => r.workloads.map((w: any) => w.name)).sort()).toEqual(['app', 'web']);
    expect(responses.flatMap((r) => r.errors ?? []).map((e) => e.extensions?.code)).toEqual(
      expect.arrayContaining(['RELEASE_NOT_FOUND', 'INVALID_PIPELINE_DEFINITION']),
    );
    // Expected errors are logged at debug: the log was written, and it is clean too.
    expect(logs).toContain('INVALID_PIPELINE_DEFINITION');

    const lines = logs.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(0);
    const places = [...responses.map((r, i) => [`response ${i}`, JSON.stringify(r)]), ...lines.map((l, i) => [`log line ${i}`, l])];
    for (const [where, text] of places) {
      for (const [place, canary] of Object.entries(CANARY)) {
        expect(text!.includes(canary), `the ${place} canary leaked in ${where}`).toBe(false);
        expect(text!.includes(Buffer.from(canary).toString('base64')), `the ${place} canary leaked base64-encoded in ${where}`).toBe(false);
      }
    }
  });
});
