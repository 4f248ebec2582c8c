import { describe, expect, it } from 'vitest';
import { LabelSelectorError, matchesSelector, parseLabelSelector } from './label-selector.js';

const labels = { app: 'podinfo', 'pipelines.wego.weave.works/name': 'example-pipeline', tier: 'web', empty: '' };

describe('label selectors', () => {
  it.each([
    ['', true],
    ['app=podinfo', true],
    ['app==podinfo', true],
    ['app=other', false],
    ['app!=other', true],
    ['app!=podinfo', false],
    ['missing!=x', true],
    ['pipelines.wego.weave.works/name=example-pipeline', true],
    ['app=podinfo,tier=web', true],
    ['app=podinfo,tier=db', false],
    ['tier in (db, web)', true],
    ['tier notin (db,web)', false],
    ['missing notin (x)', true],
    ['missing in (x)', false],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    // Existence terms: the key must be there (any value, even empty), or must not.
    ['missing', false],
    ['tier', true],
    ['empty', true],
    ['!empty', false],
    ['! app', false],
    ['app,missing', false],
    ['!missing,!app', false],
    ['app=podinfo, tier in (web), !missing', true],
  ])('%j → %s', (selector, expected) => {
    expect(matchesSelector(labels, selector)).toBe(expected);
  });

  it.each([
    ['app', [{ key: 'app', op: 'exists' }]],
    ['!app', [{ key: 'app', op: 'doesnotexist' }]],
    ['! app', [{ key: 'app', op: 'doesnotexist' }]],
    ['example.com/app', [{ key: 'example.com/app', op: 'exists' }]],
    ['a=1', [{ key: 'a', op: 'in', values: ['1'] }]],
    ['a == 1', [{ key: 'a', op: 'in', values: ['1'] }]],
    ['a!=1', [{ key: 'a', op: 'notin', values: ['1'] }]],
    ['a=', [{ key: 'a', op: 'in', values: [''] }]],
    ['a in (x, y ,z)', [{ key: 'a', op: 'in', values: ['x', 'y', 'z'] }]],
    ['a notin (x)', [{ key: 'a', op: 'notin', values: ['x'] }]],
    ['a in (x,y), b, !c', [
      { key: 'a', op: 'in', values: ['x', 'y'] },
      { key: 'b', op: 'exists' },
      { key: 'c', op: 'doesnotexist' },
    ]],
    ['  ', []],
    ['a  in  (x)', [{ key: 'a', op: 'in', values: ['x'] }]],
    ['a in(x)', [{ key: 'a', op: 'in', values: ['x'] }]],
  ])('parses %j', (selector, expected) => {
    expect(parseLabelSelector(selector)).toEqual(expected);
  });

  it('treats objects without labels as having none', () => {
    expect(matchesSelector(undefined, 'app=podinfo')).toBe(false);
    expect(matchesSelector(undefined, '!app')).toBe(true);
  });

  it.each([
    ['app=a b', 'invalid label key "app=a b" in selector "app=a b"'],
    ['Bad Key=x', 'invalid label key "Bad Key=x" in selector "Bad Key=x"'],
    ['app=,', 'empty term in selector "app=,"'],
    ['x=' + 'a'.repeat(64), `invalid label value "${'a'.repeat(64)}" in selector "x=${'a'.repeat(64)}"`],
    ['a,,b', 'empty term in selector "a,,b"'],
    ['!', 'invalid label key "" in selector "!"'],
    ['a in (x,-y)', 'invalid label value "-y" in selector "a in (x,-y)"'],
    ['-a in (x)', 'invalid label key "-a" in selector "-a in (x)"'],
    ['/a', 'invalid label key "/a" in selector "/a"'],
    // A set term is the whole term: nothing before the key, nothing after the parenthesis.
    ['a b in (c)', 'invalid label key "a b in (c)" in selector "a b in (c)"'],
    ['a in (b) c', 'invalid label key "a in (b) c" in selector "a in (b) c"'],
  ])('rejects %j', (selector, message) => {
    expect(() => parseLabelSelector(selector)).toThrow(LabelSelectorError);
    expect(() => parseLabelSelector(selector)).toThrow(new LabelSelectorError(message));
    try {
      parseLabelSelector(selector);
    } catch (error) {
      expect((error as Error).name).toBe('LabelSelectorError');
      expect((error as Error).message).toBe(message);
    }
  });
});
