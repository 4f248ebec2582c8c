import { describe, expect, it } from 'vitest';
import { nameProblem } from './k8s-names.js';

describe('nameProblem', () => {
  it.each(['dev', 'flux-system', 'a', 'a1-b2', 'x'.repeat(63)])('accepts namespace %s', (v) => {
    expect(nameProblem(v, 'namespace')).toBeNull();
  });
  const LABEL = 'must be a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)';
  const SUBDOMAIN = 'must be a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", starting and ending with a letter or digit)';
  const LABEL_VALUE = 'must be a valid label value (letters, digits, "-", "_", "."; alphanumeric at both ends)';

  it.each([
    ['', 'must not be empty'],
    ...['.', '..', 'a/b', '%2e%2e', 'x?watch=true', 'Dev', 'dev.', '-dev', 'dev-', 'dév', 'a.b'].map((v) => [v, LABEL]),
    ['x'.repeat(64), 'must be at most 63 characters (is 64)'],
  ])('rejects namespace %j: %s', (v, problem) => {
    expect(nameProblem(v, 'namespace')).toBe(problem);
  });
  it.each(['example-pipeline', 'a.b.c', 'x'.repeat(253), 'a', '0-a.b-1'])('accepts name %s', (v) => {
    expect(nameProblem(v, 'name')).toBeNull();
  });
  it.each([
    ['', 'must not be empty'],
    ...['.', '..', 'a..b', 'a/b', 'A', 'naïve', '-a', 'a-', 'a.-b', '.a'].map((v) => [v, SUBDOMAIN]),
    ['x'.repeat(254), 'must be at most 253 characters (is 254)'],
  ])('rejects name %j: %s', (v, problem) => {
    expect(nameProblem(v, 'name')).toBe(problem);
  });
  it.each(['', 'example-pipeline', 'A_b.c'])('accepts label value %j', (v) => {
    expect(nameProblem(v, 'label-value')).toBeNull();
  });
  it.each([
    ...['-a', 'a-', '_a', 'a b', 'a/b'].map((v) => [v, LABEL_VALUE]),
    ['x'.repeat(64), 'must be at most 63 characters (is 64)'],
  ])('rejects label value %j: %s', (v, problem) => {
    expect(nameProblem(v, 'label-value')).toBe(problem);
  });
  it('accepts a label value of exactly 63 characters', () => {
    expect(nameProblem('x'.repeat(63), 'label-value')).toBeNull();
  });
});
