import { describe, expect, it } from 'vitest';
import { formatYamlProblem, parseYamlDocuments, YamlParseError } from './safe-yaml.js';

const limits = { maxLength: 64 * 1024, maxAliasCount: 0, maxDepth: 64 };

describe('parseYamlDocuments', () => {
  it('parses multi-document text with the line each document starts on', () => {
    const docs = parseYamlDocuments('a: 1\n---\nb: 2\n', limits);
    expect(docs).toEqual([
      { value: { a: 1 }, line: 1 },
      { value: { b: 2 }, line: 3 },
    ]);
  });

  it('reports the line of malformed YAML without quoting the source', () => {
    const secret = 'hunter2-canary';
    let error: unknown;
    try {
      parseYamlDocuments(`a: 1\nb: [${secret}, 2\nc: d\n`, limits);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(YamlParseError);
    expect((error as YamlParseError).problem.line).toBe(3);
    expect((error as Error).message).toMatch(/^line 3, column 1: /);
    expect((error as Error).message).not.toContain(secret);
  });

  it('rejects aliases when they are turned off', () => {
    expect(() => parseYamlDocuments('a: &x [1]\nb: *x\n', limits)).toThrow(/^line 1, column 1: anchors and aliases are not allowed here$/);
  });

  it('rejects a billion-laughs document even when some aliases are allowed', () => {
    const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
    expect(() => parseYamlDocuments(lines.join('\n'), { ...limits, maxAliasCount: 100 })).toThrow(YamlParseError);
    expect(() => parseYamlDocuments(lines.join('\n'), { ...limits, maxAliasCount: 100 })).toThrow(/too many aliases \(possible resource exhaustion\)$/);
  });

  it.each([
    ['flow collections', '['.repeat(5000) + ']'.repeat(5000)],
    ['block sequences on one line', '- '.repeat(5000) + 'x'],
    ['explicit keys on one line', '? '.repeat(5000) + 'x'],
    ['indented block mappings (200 levels)', Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')],
  ])('rejects deep %s before building any value, naming where', (_what, deep) => {
    expect(() => parseYamlDocuments(deep, limits)).toThrow(/^line \d+, column \d+: document nests deeper than 64 levels$/);
  });

  it('does not count brackets in strings, dashes or indentation in block scalars, or other documents, as nesting', () => {
    const text = [
      `quoted: "${'['.repeat(100)}"`,
      "single: '{{{x'",
      'script: |',
      `  ${'-'.repeat(100)}`,
      `${' '.repeat(80)}deeply indented text`,
      '---',
      `next: [${'['.repeat(40)}${']'.repeat(40)}]`,
    ].join('\n');
    const docs = parseYamlDocuments(text, limits);
    expect(docs).toHaveLength(2);
    expect((docs[0]!.value as Record<string, string>).quoted).toBe('['.repeat(100));
    expect((docs[0]!.value as Record<string, string>).script).toContain('deeply indented text');
  });

  it('accepts nesting up to the limit exactly', () => {
    expect(parseYamlDocuments('- '.repeat(64) + 'x', limits)).toHaveLength(1);
    expect(() => parseYamlDocuments('- '.repeat(65) + 'x', limits)).toThrow(/^line 1, column 129: document nests deeper than 64 levels$/);
  });

  it('rejects over-long input before parsing', () => {
    expect(() => parseYamlDocuments('a: ' + 'x'.repeat(70_000), limits)).toThrow(/^document is 70003 characters long, over the limit of 65536$/);
  });

  it('rejects duplicate keys', () => {
    expect(() => parseYamlDocuments('a: 1\na: 2\n', limits)).toThrow(/^line 2, column 1: duplicate key$/);
  });
});

describe('formatYamlProblem', () => {
  it('names line and column, only the line, or neither, as known', () => {
    expect(formatYamlProblem({ line: 3, column: 7, description: 'bad' })).toBe('line 3, column 7: bad');
    expect(formatYamlProblem({ line: 3, column: null, description: 'bad' })).toBe('line 3: bad');
    expect(formatYamlProblem({ line: null, column: null, description: 'bad' })).toBe('bad');
  });
});

describe('parseYamlDocuments limits', () => {
  it('accepts a document exactly at the length limit, refusing one character more', () => {
    const text = `a: ${'x'.repeat(limits.maxLength - 3)}`;
    expect(text).toHaveLength(limits.maxLength);
    expect(parseYamlDocuments(text, limits)).toEqual([{ value: { a: 'x'.repeat(limits.maxLength - 3) }, line: 1 }]);
    expect(() => parseYamlDocuments(`${text}x`, limits)).toThrow(`document is ${limits.maxLength + 1} characters long, over the limit of ${limits.maxLength}`);
  });

  it('names its errors YamlParseError', () => {
    try {
      parseYamlDocuments('a: [', limits);
      throw new Error('accepted');
    } catch (error) {
      expect((error as Error).name).toBe('YamlParseError');
    }
  });
});

describe('positions in messages', () => {
  it('gives an alias error a numeric line and column, never "null"', () => {
    let error: unknown;
    try {
      parseYamlDocuments('a: 1\n---\nb: &x [1]\nc: *x\n', limits);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(YamlParseError);
    const { problem, message } = error as YamlParseError;
    expect(problem).toEqual({ line: 3, column: 1, description: 'anchors and aliases are not allowed here' });
    expect(message).toBe('line 3, column 1: anchors and aliases are not allowed here');
    expect(message).not.toContain('null');
  });

  it('leaves out a position it does not have', () => {
    expect(formatYamlProblem({ line: 2, column: null, description: 'x' })).toBe('line 2: x');
    expect(formatYamlProblem({ line: null, column: null, description: 'x' })).toBe('x');
  });
});
