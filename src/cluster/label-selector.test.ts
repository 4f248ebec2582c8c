import { describe, expect, it } from 'vitest';
import { LabelSelectorError, matchesSelector, parseLabelSelector } from './label-selector.js';

const labels = { app: 'podinfo', 'pipelines.wego.weave.works/name': 'example-pipeline', tier: 'web' };

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
    ['app=podinfo, tier in (web), !missing', true],
  ])('%j → %s', (selector, expected) => {
    expect(matchesSelector(labels, selector)).toBe(expected);
  });

  it('treats objects without labels as having none', () => {
    expect(matchesSelector(undefined, 'app=podinfo')).toBe(false);
    expect(matchesSelector(undefined, '!app')).toBe(true);
  });

  it.each(['app=a b', 'Bad Key=x', 'app=,', 'x=' + 'a'.repeat(64)])('rejects %j', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(LabelSelectorError);
  });
});
