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

  it.each([
    ['a number', 42, 'data.pipelines: expected YAML text'],
    ['empty', '', 'data.pipelines: expected one YAML document, got 0; data.pipelines: document: required'],
    ['a list', '- a\n', 'data.pipelines: document: expected a mapping, got a list'],
  ])('refuses a data.pipelines that is %s', async (_what, text, problems) => {
    const error = await definitionError([configMap('cm', { pipelines: text as string })], 'CM', 'cm');
    expect(error.message).toBe(`ConfigMap flux-system/cm is not a valid pipeline definition: ${problems}`);
  });

  it('names the line of malformed YAML without quoting the source', async () => {
    const canary = 'canary-7f3a-do-not-echo';
    const error = await definitionError(cm(`stages:\n  - name: dev\n    namespace: [${canary}\n    order: 1\n`), 'CM', 'cm');
    expect(error.extensions?.code).toBe('INVALID_PIPELINE_DEFINITION');
    expect(error.message).toMatch(/data\.pipelines: invalid YAML at line \d+, column \d+: /);
    expect(error.message).not.toContain(canary);
  });

  // Speed is measured by `npm run bench`, not here: these pin that the documents are refused,
  // and why, without the parser expanding or descending into them.
  it('rejects a billion-laughs document (aliases are off)', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const error = await definitionError(cm(lines.join('\n')), 'CM', 'cm');
    expect(error.extensions).toMatchObject({ code: 'INVALID_PIPELINE_DEFINITION', kind: 'ConfigMap', name: 'cm' });
    expect(error.message).toMatch(/^ConfigMap flux-system\/cm is not a valid pipeline definition: data\.pipelines: invalid YAML at line 1, column 1: anchors and aliases are not allowed here$/);
  });

  it.each([
    ['flow collections', `stages: ${'['.repeat(5000)}${']'.repeat(5000)}\n`],
    // Block nesting on the first line once got past the check and took the process down.
    ['block sequences on one line', `${'- '.repeat(20_000)}x`],
    ['explicit keys on one line', `${'? '.repeat(5000)}x`],
  ])('rejects deeply nested %s, every time', async (_what, pipelines) => {
    for (let round = 0; round < 2; round++) {
      const error = await definitionError(cm(pipelines), 'CM', 'cm');
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

  const env = (stageRef: unknown, name: unknown = 'dev') => ({ name, stageRef });
  const stagePipeline = (...environments: unknown[]) => pipelineObject('p', { environments }, 'v1alpha3');
  const DNS_SUBDOMAIN = 'must be a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", starting and ending with a letter or digit)';
  const DNS_LABEL = 'must be a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)';

  it.each([
    [[env(undefined)], 'spec.environments[0].stageRef: required'],
    [[env('ps-dev')], 'spec.environments[0].stageRef: expected a mapping, got "ps-dev"'],
    [[env({ namespace: 'dev' })], 'spec.environments[0].stageRef.name: required'],
    [[env({ name: 'ps-dev' })], 'spec.environments[0].stageRef.namespace: required'],
    [[env({ name: 'Ps_Dev', namespace: 'dev' })], `spec.environments[0].stageRef.name: "Ps_Dev" ${DNS_SUBDOMAIN}`],
    [[env({ name: '', namespace: 'dev' })], 'spec.environments[0].stageRef.name: "" must not be empty'],
    [[env({ name: 'ps', namespace: 'team.dev' })], `spec.environments[0].stageRef.namespace: "team.dev" ${DNS_LABEL}`],
    [[env({ name: 'ps', namespace: 'dev' }, 'Dev')], `spec.environments[0].name: "Dev" ${DNS_LABEL}`],
    [[env({ name: 'ps', namespace: 'dev' }, null)], 'spec.environments[0].name: required'],
    [[env({ name: 'ps', namespace: 'dev' }), 'qa'], 'spec.environments[1]: expected a mapping, got "qa"'],
  ])('STAGE environments %j → %s', async (environments, problem) => {
    const error = await definitionError([stagePipeline(...environments)], 'STAGE', 'p');
    expect(error.extensions).toMatchObject({ code: 'INVALID_PIPELINE_DEFINITION', kind: 'Pipeline', namespace: 'flux-system', name: 'p' });
    expect(error.message).toBe(`Pipeline flux-system/p is not a valid pipeline definition: ${problem}`);
  });

  it('refuses an environments list that is null', async () => {
    const error = await definitionError([pipelineObject('p', { environments: null }, 'v1alpha3')], 'STAGE', 'p');
    expect(error.message).toBe('Pipeline flux-system/p is not a valid pipeline definition: spec.environments: required');
  });

  it('refuses a PipelineStage without a spec, failing its stage', async () => {
    const objects = [stagePipeline(env({ name: 's', namespace: 'dev' })), { ...pipelineStage('dev', 's', []), spec: undefined }];
    const response = await clientFor(appFor(fixtureSource(objects))).query(QUERY, { approach: 'STAGE', name: 'p' });
    expect(response.data!.pipeline.stages[0].releases).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.message).toBe('PipelineStage dev/s is not a valid pipeline definition: spec: required');
  });

  it('accepts a stageRef name with dots (a subdomain, like every object name) and reads that PipelineStage', async () => {
    const objects = [
      stagePipeline(env({ name: 'ps.dev.v2', namespace: 'dev' })),
      pipelineStage('dev', 'ps.dev.v2', [{ kind: 'Kustomization', name: 'app' }]),
      kustomization('dev', 'app'),
    ];
    const response = await clientFor(appFor(fixtureSource(objects))).query(QUERY, { approach: 'STAGE', name: 'p' });
    expect(response.errors).toBeUndefined();
    expect(response.data!.pipeline).toEqual({ name: 'p', stages: [{ name: 'dev', order: 1, releases: [{ name: 'app' }] }] });
  });

  it('orders STAGE stages by list position, whatever their names', async () => {
    const objects = [
      stagePipeline(env({ name: 's', namespace: 'zz' }, 'zz'), env({ name: 's', namespace: 'aa' }, 'aa'), env({ name: 's', namespace: 'mm' }, 'mm')),
      ...['zz', 'aa', 'mm'].map((ns) => pipelineStage(ns, 's', [])),
    ];
    const response = await clientFor(appFor(fixtureSource(objects))).query(QUERY, { approach: 'STAGE', name: 'p' });
    expect(response.errors).toBeUndefined();
    expect(response.data!.pipeline.stages).toEqual([
      { name: 'zz', order: 1, releases: [] },
      { name: 'aa', order: 2, releases: [] },
      { name: 'mm', order: 3, releases: [] },
    ]);
  });

  it.each([
    ['a string', 'east-1', 'east-1'],
    ['empty', '', null],
    ['absent', undefined, null],
  ])('reports a stage cluster that is %s as %j', async (_what, cluster, expected) => {
    const objects = [pipelineObject('p', { stages: [{ name: 'dev', namespace: 'dev', order: 1, cluster }] })];
    const response = await clientFor(appFor(fixtureSource(objects))).query('{ pipeline(approach: HYBRID, name: "p") { stages { cluster } } }');
    expect(response.errors).toBeUndefined();
    expect(response.data!.pipeline.stages).toEqual([{ cluster: expected }]);
  });

  it('refuses a stage cluster that is not a string', async () => {
    const error = await definitionError([pipelineObject('p', { stages: [{ name: 'dev', namespace: 'dev', order: 1, cluster: 7 }] })], 'HYBRID', 'p');
    expect(error.message).toBe('Pipeline flux-system/p is not a valid pipeline definition: spec.stages[0].cluster: expected a string, got 7');
  });

  it.each([
    [{ kind: 'Kustomization' }, 'spec.stages[0].releaseRefs[0].name: required'],
    [{ name: 'app' }, 'spec.stages[0].releaseRefs[0].kind: required'],
    [{ kind: 'Kustomization', name: 'App' }, `spec.stages[0].releaseRefs[0].name: "App" ${DNS_SUBDOMAIN}`],
    [{ kind: 'Kustomization', name: 'app', namespace: 'Dev' }, `spec.stages[0].releaseRefs[0].namespace: "Dev" ${DNS_LABEL}`],
    ['app', 'spec.stages[0].releaseRefs[0]: expected a mapping, got "app"'],
  ])('CRD releaseRef %j → %s', async (ref, problem) => {
    const pipeline = pipelineObject('p', { stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [ref] }] }, 'v1alpha2');
    const error = await definitionError([pipeline], 'CRD', 'p');
    expect(error.message).toBe(`Pipeline flux-system/p is not a valid pipeline definition: ${problem}`);
  });

  it('refuses a releaseRef listed twice, and accepts an explicit namespace equal to the stage\'s', async () => {
    const twice = pipelineObject('p', {
      stages: [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'Kustomization', name: 'app', namespace: 'dev' }, { kind: 'Kustomization', name: 'app' }] }],
    }, 'v1alpha2');
    const error = await definitionError([twice], 'CRD', 'p');
    expect(error.message).toBe('Pipeline flux-system/p is not a valid pipeline definition: spec.stages[0].releaseRefs[1]: Kustomization/app is listed more than once');
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
