import { describe, expect, it } from 'vitest';
import { parseYamlDocuments, YamlParseError } from './safe-yaml.js';

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
    expect(() => parseYamlDocuments('a: &x [1]\nb: *x\n', limits)).toThrow(/aliases are not allowed/);
  });

  it('rejects a billion-laughs document quickly even when some aliases are allowed', () => {
    const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
    const started = Date.now();
    expect(() => parseYamlDocuments(lines.join('\n'), { ...limits, maxAliasCount: 100 })).toThrow(YamlParseError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects 5,000-deep nesting before parsing', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect(() => parseYamlDocuments(deep, limits)).toThrow(/nests deeper than 64 levels/);
  });

  it('rejects over-long input before parsing', () => {
    expect(() => parseYamlDocuments('a: ' + 'x'.repeat(70_000), limits)).toThrow(/over the limit/);
  });

  it('rejects duplicate keys', () => {
    expect(() => parseYamlDocuments('a: 1\na: 2\n', limits)).toThrow(/duplicate key/);
  });
});
