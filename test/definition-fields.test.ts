// How a broken definition is reported (README: "every problem of a definition at once, with
// paths"): the exact problem strings of the field reader, the shared stage list and releaseRefs.
import { describe, expect, it } from 'vitest';
import { FieldReader, InvalidDefinitionError, describe as describeValue } from '../src/approaches/definition-fields.js';
import { readReleaseRefs } from '../src/approaches/release-refs.js';
import { readStageList } from '../src/approaches/stage-list.js';
import { PipelineApiError } from '../src/errors.js';

describe('FieldReader', () => {
  it('prefixes each problem with where the fields live, or not at all', () => {
    const withPrefix = new FieldReader('data.pipelines');
    expect(withPrefix.problem('stages', 'required')).toBeUndefined();
    const bare = new FieldReader();
    bare.problem('spec', 'required');
    expect(withPrefix.problems).toEqual(['data.pipelines: stages: required']);
    expect(bare.problems).toEqual(['spec: required']);
  });

  it('record: a mapping, or required / what it got instead', () => {
    const f = new FieldReader();
    expect(f.record({ a: 1 }, 'r')).toEqual({ a: 1 });
    expect(f.record(undefined, 'optional', false)).toBeUndefined();
    expect(f.record(null, 'optionalNull', false)).toBeUndefined();
    expect(f.record(undefined, 'a')).toBeUndefined();
    expect(f.record(null, 'b')).toBeUndefined();
    expect(f.record([1], 'c')).toBeUndefined();
    expect(f.record('x', 'd')).toBeUndefined();
    expect(f.problems).toEqual(['a: required', 'b: required', 'c: expected a mapping, got a list', 'd: expected a mapping, got "x"']);
  });

  it('list: a list, required only when asked, with a minimum item count', () => {
    const f = new FieldReader();
    expect(f.list([1, 2], 'ok', { minItems: 2 })).toEqual([1, 2]);
    expect(f.list([], 'empty-ok')).toEqual([]);
    expect(f.list(undefined, 'optional')).toBeUndefined();
    expect(f.list(null, 'optional-null')).toBeUndefined();
    expect(f.list(undefined, 'a', { required: true })).toBeUndefined();
    expect(f.list(null, 'b', { required: true })).toBeUndefined();
    expect(f.list({}, 'c')).toBeUndefined();
    expect(f.list([], 'd', { minItems: 1 })).toBeUndefined();
    expect(f.list([1], 'e', { minItems: 2 })).toBeUndefined();
    expect(f.problems).toEqual([
      'a: required',
      'b: required',
      'c: expected a list, got a mapping',
      'd: expected at least 1 item, got 0',
      'e: expected at least 2 items, got 1',
    ]);
  });

  it('string: a string, checked against a name rule when given one', () => {
    const f = new FieldReader();
    expect(f.string('dev', 'ok', { rule: 'namespace' })).toBe('dev');
    expect(f.string('Not A Name', 'free')).toBe('Not A Name');
    expect(f.string(undefined, 'optional')).toBeUndefined();
    expect(f.string(null, 'optional-null')).toBeUndefined();
    expect(f.string(undefined, 'a', { required: true })).toBeUndefined();
    expect(f.string(null, 'b', { required: true })).toBeUndefined();
    expect(f.string(7, 'c')).toBeUndefined();
    expect(f.string('Dev', 'd', { rule: 'namespace' })).toBeUndefined();
    expect(f.problems).toEqual([
      'a: required',
      'b: required',
      'c: expected a string, got 7',
      'd: "Dev" must be a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)',
    ]);
  });

  it('integer: a safe integer, at least a minimum when given one', () => {
    const f = new FieldReader();
    expect(f.integer(3, 'ok', { min: 3 })).toBe(3);
    expect(f.integer(0, 'zero')).toBe(0);
    expect(f.integer(undefined, 'optional')).toBeUndefined();
    expect(f.integer(null, 'optional-null')).toBeUndefined();
    expect(f.integer(undefined, 'a', { required: true })).toBeUndefined();
    expect(f.integer(null, 'b', { required: true })).toBeUndefined();
    expect(f.integer('one', 'c')).toBeUndefined();
    expect(f.integer(1.5, 'd')).toBeUndefined();
    expect(f.integer(2 ** 53, 'e')).toBeUndefined();
    expect(f.integer(0, 'f', { min: 1 })).toBeUndefined();
    expect(f.problems).toEqual([
      'a: required',
      'b: required',
      'c: expected an integer, got "one"',
      'd: expected an integer, got 1.5',
      'e: expected an integer, got 9007199254740992',
      'f: expected at least 1, got 0',
    ]);
  });

  it('oneOf: one of the allowed strings, required', () => {
    const f = new FieldReader();
    expect(f.oneOf('b', 'ok', ['a', 'b'])).toBe('b');
    expect(f.oneOf(undefined, 'a', ['a', 'b'])).toBeUndefined();
    expect(f.oneOf('c', 'b', ['a', 'b'])).toBeUndefined();
    expect(f.problems).toEqual(['a: required', 'b: expected one of a, b, got "c"']);
  });

  it('describe renders values short and without their content beyond 40 characters', () => {
    expect(describeValue('x'.repeat(40))).toBe(JSON.stringify('x'.repeat(40)));
    expect(describeValue('y'.repeat(41))).toBe(JSON.stringify(`${'y'.repeat(40)}…`));
    expect([describeValue([]), describeValue(null), describeValue({}), describeValue(true), describeValue(undefined)]).toEqual([
      'a list',
      'null',
      'a mapping',
      'true',
      'undefined',
    ]);
  });

  it('InvalidDefinitionError names the object and every problem, coded INVALID_PIPELINE_DEFINITION', () => {
    const error = new InvalidDefinitionError({ kind: 'Pipeline', namespace: 'flux-system', name: 'p' }, ['a: required', 'b: bad']);
    expect(error).toBeInstanceOf(PipelineApiError);
    expect(error.code).toBe('INVALID_PIPELINE_DEFINITION');
    expect(error.problems).toEqual(['a: required', 'b: bad']);
    expect(error.object).toEqual({ kind: 'Pipeline', namespace: 'flux-system', name: 'p' });
    expect(error.message).toBe('Pipeline flux-system/p is not a valid pipeline definition: a: required; b: bad');
  });
});

describe('readStageList', () => {
  it('returns the stages sorted by order, cluster null when absent or empty', () => {
    const f = new FieldReader();
    const stages = readStageList(
      f,
      [
        { name: 'prod', namespace: 'prod-ns', order: 3, cluster: 'east' },
        { name: 'dev', namespace: 'dev-ns', order: 1 },
        { name: 'qa', namespace: 'qa-ns', order: 2, cluster: '' },
      ],
      'spec.stages',
      { refs: false },
    );
    expect(f.problems).toEqual([]);
    expect(stages).toEqual([
      { name: 'dev', namespace: 'dev-ns', order: 1, cluster: null },
      { name: 'qa', namespace: 'qa-ns', order: 2, cluster: null },
      { name: 'prod', namespace: 'prod-ns', order: 3, cluster: 'east' },
    ]);
  });

  it('reads releaseRefs in the stage namespace when asked to, and refuses them otherwise', () => {
    const f = new FieldReader();
    const stages = readStageList(f, [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'HelmRelease', name: 'web' }] }], 'stages', { refs: true });
    expect(stages).toEqual([{ name: 'dev', namespace: 'dev', order: 1, cluster: null, refs: [{ kind: 'HelmRelease', name: 'web', namespace: 'dev' }] }]);
    expect(f.problems).toEqual([]);
    const g = new FieldReader();
    expect(readStageList(g, [{ name: 'dev', namespace: 'dev', order: 1, releaseRefs: [] }], 'stages', { refs: false })).toEqual([
      { name: 'dev', namespace: 'dev', order: 1, cluster: null },
    ]);
    expect(g.problems).toEqual(['stages[0].releaseRefs: not allowed here: releases join this pipeline by label']);
  });

  it('reports every broken stage at its index, and duplicate names and orders once each', () => {
    const f = new FieldReader();
    const stages = readStageList(
      f,
      [
        'dev',
        { name: 'Dev', namespace: 'dev', order: 0, cluster: 5 },
        { namespace: 'x', order: 1 },
        { name: 'a', namespace: 'a', order: 2 },
        { name: 'a', namespace: 'b', order: 2 },
        { name: 'a', namespace: 'c', order: 4 },
      ],
      'stages',
      { refs: false },
    );
    expect(f.problems).toEqual([
      'stages[0]: expected a mapping, got "dev"',
      'stages[1].name: "Dev" must be a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)',
      'stages[1].order: expected at least 1, got 0',
      'stages[1].cluster: expected a string, got 5',
      'stages[2].name: required',
      'stages: stage name "a" is used by 3 stages; it must be unique',
      'stages: stage order "2" is used by 2 stages; it must be unique',
    ]);
    expect(stages.map((s) => s.namespace)).toEqual(['a', 'b', 'c']);
  });

  it('keeps only complete stages: a missing order is required, a bad namespace or order leaves the stage out', () => {
    const f = new FieldReader();
    const stages = readStageList(
      f,
      [{ name: 'a', namespace: 'a' }, { name: 'b', namespace: 'Bad', order: 2 }, { name: 'c', namespace: 'c', order: 'x' }, { name: 'd', namespace: 'd', order: 4 }],
      'stages',
      { refs: false },
    );
    expect(f.problems).toEqual([
      'stages[0].order: required',
      'stages[1].namespace: "Bad" must be a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)',
      'stages[2].order: expected an integer, got "x"',
    ]);
    expect(stages).toEqual([{ name: 'd', namespace: 'd', order: 4, cluster: null }]);
  });

  it('requires at least one stage', () => {
    const f = new FieldReader();
    expect(readStageList(f, [], 'stages', { refs: false })).toEqual([]);
    expect(readStageList(f, undefined, 'spec.stages', { refs: false })).toEqual([]);
    expect(f.problems).toEqual(['stages: expected at least 1 item, got 0', 'spec.stages: required']);
  });
});

describe('readReleaseRefs', () => {
  it('resolves refs in the stage namespace, allowing an explicit namespace that says the same', () => {
    const f = new FieldReader();
    const refs = readReleaseRefs(f, [{ kind: 'Kustomization', name: 'app' }, { kind: 'HelmRelease', name: 'web.v2', namespace: 'dev' }, { kind: 'GitRepository', name: 'repo' }], 'r', 'dev');
    expect(refs).toEqual([
      { kind: 'Kustomization', name: 'app', namespace: 'dev' },
      { kind: 'HelmRelease', name: 'web.v2', namespace: 'dev' },
      // An unsupported kind is kept, to fail alone at its place in the stage.
      { kind: 'GitRepository', name: 'repo', namespace: 'dev' },
    ]);
    expect(f.problems).toEqual([]);
  });

  it('reports each broken ref at its index', () => {
    const f = new FieldReader();
    const refs = readReleaseRefs(
      f,
      [
        7,
        { name: 'app' },
        { kind: 'Kustomization', name: 'Bad_Name' },
        { kind: 'Kustomization', name: 'app', namespace: 'prod' },
        { kind: 'Kustomization', name: 'app' },
        { kind: 'Kustomization', name: 'app', namespace: 'dev' },
        { kind: 'HelmRelease', name: 'app' },
      ],
      'spec.releaseRefs',
      'dev',
    );
    expect(f.problems).toEqual([
      'spec.releaseRefs[0]: expected a mapping, got 7',
      'spec.releaseRefs[1].kind: required',
      'spec.releaseRefs[2].name: "Bad_Name" must be a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", starting and ending with a letter or digit)',
      'spec.releaseRefs[3].namespace: "prod" differs from the stage namespace "dev"; releases must live in their stage\'s namespace',
      'spec.releaseRefs[5]: Kustomization/app is listed more than once',
    ]);
    expect(refs).toEqual([
      { kind: 'Kustomization', name: 'app', namespace: 'dev' },
      { kind: 'HelmRelease', name: 'app', namespace: 'dev' },
    ]);
  });

  it('is required, and keeps no ref when the stage namespace itself is broken', () => {
    const f = new FieldReader();
    expect(readReleaseRefs(f, undefined, 'r', 'dev')).toBeUndefined();
    expect(f.problems).toEqual(['r: required']);
    const g = new FieldReader();
    expect(readReleaseRefs(g, [{ kind: 'Kustomization', name: 'app', namespace: 'Bad' }, { kind: 'Kustomization', name: 'b', namespace: 'x' }], 'r', undefined)).toEqual([]);
    expect(g.problems).toEqual(['r[0].namespace: "Bad" must be a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)']);
  });
});
