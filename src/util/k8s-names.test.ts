import { describe, expect, it } from 'vitest';
import { nameProblem } from './k8s-names.js';

describe('nameProblem', () => {
  it.each(['dev', 'flux-system', 'a', 'a1-b2', 'x'.repeat(63)])('accepts namespace %s', (v) => {
    expect(nameProblem(v, 'namespace')).toBeNull();
  });
  it.each(['', '.', '..', 'a/b', '%2e%2e', 'x?watch=true', 'Dev', 'dev.', '-dev', 'dév', 'a.b', 'x'.repeat(64)])(
    'rejects namespace %j',
    (v) => {
      expect(nameProblem(v, 'namespace')).toMatch(/must/);
    },
  );
  it.each(['example-pipeline', 'a.b.c', 'x'.repeat(253)])('accepts name %s', (v) => {
    expect(nameProblem(v, 'name')).toBeNull();
  });
  it.each(['', '.', '..', 'a..b', 'a/b', 'A', 'x'.repeat(254), 'naïve'])('rejects name %j', (v) => {
    expect(nameProblem(v, 'name')).toMatch(/must/);
  });
  it.each(['', 'example-pipeline', 'A_b.c'])('accepts label value %j', (v) => {
    expect(nameProblem(v, 'label-value')).toBeNull();
  });
  it.each(['-a', 'a b', 'a/b', 'x'.repeat(64)])('rejects label value %j', (v) => {
    expect(nameProblem(v, 'label-value')).toMatch(/must/);
  });
});
