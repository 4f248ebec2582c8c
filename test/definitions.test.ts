import { describe, expect, it } from 'vitest';
import { appFor } from './support/demo-app.js';
import { configMap, fixtureSource, pipelineObject, pipelineStage, kustomization } from './support/fixtures.js';
import { clientFor } from './support/graphql-client.js';

const QUERY = `query P($approach: Approach!, $name: String!) {
  pipeline(approach: $approach, name: $name) { name stages { name order releases { name } } }
}`;

async function definitionError(objects: Parameters<typeof fixtureSource>[0], approach: string, name: string) {
  const response = await clientFor(appFor(fixtureSource(objects))).query(QUERY, { approach, name });
  expect(response.data?.pipeline).toBeNull();
  expect(response.errors).toHaveLength(1);
  return response.errors![0]!;
}

const cm = (text: string) => [configMap('cm', { pipelines: text })];

describe('ConfigMap definitions are validated and reported precisely', () => {
  it.each([
    ['stages:\n  - {name: dev, namespace: dev, order: one}\n', 'stages[0].order: expected an integer, got "one"'],
    ['stages:\n  - {name: dev, order: 1}\n', 'stages[0].namespace: required'],
    ['stages:\n  - {name: Dev, namespace: dev, order: 1}\n', 'stages[0].name: "Dev" must be a DNS-1123 label'],
    ['stages:\n  - {name: dev, namespace: dev, order: 0}\n', 'stages[0].order: expected at least 1, got 0'],
    ['stages: []\n', 'stages: expected at least 1 item, got 0'],
    ['stages: {dev: 1}\n', 'stages: expected a list, got a mapping'],
    ['other: 1\n', 'stages: required'],
    [
      'stages:\n  - {name: dev, namespace: dev, order: 1}\n  - {name: dev, namespace: qa, order: 2}\n',
      'stages: stage name "dev" is used by 2 stages; it must be unique',
    ],
    [
      'stages:\n  - {name: dev, namespace: dev, order: 1}\n  - {name: qa, namespace: qa, order: 1}\n',
      'stages: stage order "1" is used by 2 stages; it must be unique',
    ],
    ['stages:\n  - {name: dev, namespace: dev, order: 1, releaseRefs: []}\n', 'stages[0].releaseRefs: not allowed here'],
    ['a: 1\n---\nb: 2\n', 'expected one YAML document, got 2'],
  ])('%j → %s', async (text, expected) => {
    const error = await definitionError(cm(text), 'CM', 'cm');
    expect(error.extensions).toMatchObject({ code: 'INVALID_PIPELINE_DEFINITION', kind: 'ConfigMap', namespace: 'flux-system', name: 'cm' });
    expect(error.message).toContain(`data.pipelines: ${expected}`);
  });

  it('names the line of malformed YAML without quoting the source', async () => {
    const canary = 'canary-7f3a-do-not-echo';
    const error = await definitionError(cm(`stages:\n  - name: dev\n    namespace: [${canary}\n    order: 1\n`), 'CM', 'cm');
    expect(error.extensions?.code).toBe('INVALID_PIPELINE_DEFINITION');
    expect(error.message).toMatch(/data\.pipelines: invalid YAML at line \d+, column \d+: /);
    expect(error.message).not.toContain(canary);
  });

  it('rejects a billion-laughs document (aliases are off) in milliseconds', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const started = performance.now();
    const error = await definitionError(cm(lines.join('\n')), 'CM', 'cm');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error.message).toContain('anchors and aliases are not allowed here');
  });

  it.each([
    ['flow collections', `stages: ${'['.repeat(5000)}${']'.repeat(5000)}\n`],
    // Block nesting on the first line once got past the check and took the process down.
    ['block sequences on one line', `${'- '.repeat(20_000)}x`],
    ['explicit keys on one line', `${'? '.repeat(5000)}x`],
  ])('rejects deeply nested %s in milliseconds, every time', async (_what, pipelines) => {
    for (let round = 0; round < 2; round++) {
      const started = performance.now();
      const error = await definitionError(cm(pipelines), 'CM', 'cm');
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(error.message).toMatch(/data\.pipelines: invalid YAML at line 1, column \d+: document nests deeper than 32 levels/);
    }
  });

  it('rejects an oversized document before parsing it', async () => {
    const error = await definitionError(cm(`stages: []\n#${'x'.repeat(300 * 1024)}\n`), 'CM', 'cm');
    expect(error.message).toContain('over the limit of 262144');
  });

  it('refuses a pipeline name that cannot be a label value, before it enters a selector', async () => {
    const name = `p${'x'.repeat(70)}`;
    const error = await definitionError([configMap(name, { pipelines: 'stages:\n  - {name: dev, namespace: dev, order: 1}\n' })], 'CM', name);
    expect(error.message).toContain('metadata.name: ');
    expect(error.message).toContain('must be at most 63 characters');
  });
});

describe('Pipeline and PipelineStage definitions', () => {
  it('refuses a releaseRef in another namespace than its stage (CRD)', async () => {
    const pipeline = pipelineObject('p', { stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'Kustomization', name: 'app', namespace: 'prod' }] }] }, 'v1alpha2');
    const error = await definitionError([pipeline], 'CRD', 'p');
    expect(error.extensions).toMatchObject({ code: 'INVALID_PIPELINE_DEFINITION', kind: 'Pipeline', name: 'p' });
    expect(error.message).toContain('spec.stages[0].releaseRefs[0].namespace: "prod" differs from the stage namespace "dev"');
  });

  it('refuses a PipelineStage ref in another namespace, failing that stage only', async () => {
    const objects = [
      pipelineObject('p', { environments: [{ name: 'dev', stageRef: { name: 's', namespace: 'dev' } }, { name: 'qa', stageRef: { name: 's', namespace: 'qa' } }] }, 'v1alpha3'),
      pipelineStage('dev', 's', [{ kind: 'Kustomization', name: 'app', namespace: 'prod' }]),
      pipelineStage('qa', 's', [{ kind: 'Kustomization', name: 'app' }]),
      kustomization('qa', 'app'),
    ];
    const response = await clientFor(appFor(fixtureSource(objects))).query(QUERY, { approach: 'STAGE', name: 'p' });
    expect(response.data!.pipeline.stages[0].releases).toBeNull();
    expect(response.data!.pipeline.stages[1].releases).toEqual([{ name: 'app' }]);
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['pipeline', 'stages', 0, 'releases'],
        extensions: expect.objectContaining({ code: 'INVALID_PIPELINE_DEFINITION', kind: 'PipelineStage', namespace: 'dev', name: 's' }),
      }),
    ]);
    expect(response.errors![0]!.message).toContain('spec.releaseRefs[0].namespace: "prod" differs from the stage namespace "dev"');
  });

  it('reports every problem of a definition at once, with paths', async () => {
    const pipeline = pipelineObject('p', { stages: [{ namespace: 'dev', order: 'first' }, { name: 'qa', namespace: 'QA', order: 2 }] });
    const error = await definitionError([pipeline], 'HYBRID', 'p');
    expect(error.message).toBe(
      'Pipeline flux-system/p is not a valid pipeline definition: spec.stages[0].name: required; spec.stages[0].order: expected an integer, got "first"; spec.stages[1].namespace: "QA" must be a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)',
    );
  });

  it('refuses duplicate environment names and an empty environment list', async () => {
    const dup = pipelineObject('p', { environments: [{ name: 'dev', stageRef: { name: 'a', namespace: 'dev' } }, { name: 'dev', stageRef: { name: 'b', namespace: 'dev' } }] }, 'v1alpha3');
    expect((await definitionError([dup], 'STAGE', 'p')).message).toContain('spec.environments[1].name: "dev" is used by more than one environment');
    const empty = pipelineObject('p', { environments: [] }, 'v1alpha3');
    expect((await definitionError([empty], 'STAGE', 'p')).message).toContain('spec.environments: expected at least 1 item, got 0');
  });

  it('treats a stage list where only some stages carry releaseRefs as CRD and names the stage missing them', async () => {
    const mixed = pipelineObject('p', { stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [] }, { name: 'qa', namespace: 'qa', order: 2 }] });
    const error = await definitionError([mixed], 'CRD', 'p');
    expect(error.message).toContain('spec.stages[1].releaseRefs: required');
  });
});

describe('input validation happens before any Kubernetes call', () => {
  const bad = ['.', '..', 'a/b', '%2e%2e', 'x?watch=true', 'Upper', '', 'x'.repeat(254), 'naïve', 'a b'];

  it.each(bad)('name %j → BAD_USER_INPUT, no reader call', async (name) => {
    const source = fixtureSource([]);
    const response = await clientFor(appFor(source)).query(QUERY, { approach: 'HYBRID', name });
    expect(response.data?.pipeline).toBeNull();
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/^Argument "name": /);
    expect(source.calls).toEqual([]);
  });

  it.each([...bad, 'x'.repeat(64), 'a.b'])('namespace %j → BAD_USER_INPUT, no reader call', async (namespace) => {
    const source = fixtureSource([]);
    const client = clientFor(appFor(source));
    const one = await client.query('query($ns: String) { pipeline(approach: CM, name: "p", namespace: $ns) { name } }', { ns: namespace });
    const all = await client.query('query($ns: String) { pipelines(namespace: $ns) { name } }', { ns: namespace });
    for (const response of [one, all]) {
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.message).toMatch(/^Argument "namespace": /);
    }
    expect(source.calls).toEqual([]);
  });
});
