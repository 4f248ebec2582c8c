import { describe, expect, it } from 'vitest';
import { StringInterner } from './interner.js';

/** A string equal to `text` but built at run time, so it is a distinct copy unless interned. */
const copyOf = (text: string) => [...text].join('');

describe('StringInterner', () => {
  // String identity is not observable from JavaScript (Object.is compares strings by value),
  // so what is checked is the table: one entry per distinct value, equal values returned.
  it('keeps one entry per distinct value', () => {
    const strings = new StringInterner();
    expect(strings.intern(copyOf('team-000-dev'))).toBe('team-000-dev');
    expect(strings.intern(copyOf('team-000-dev'))).toBe('team-000-dev');
    expect(strings.size).toBe(1);
    strings.intern('team-000-qa');
    expect(strings.size).toBe(2);
  });

  it('replaces the strings of a tree in place, keeping its values, but not uid and resourceVersion', () => {
    const strings = new StringInterner();
    const tree = {
      metadata: { namespace: copyOf('dev'), uid: copyOf('u-1'), resourceVersion: copyOf('7'), labels: { team: copyOf('dev') } },
      status: { conditions: [{ type: copyOf('Ready'), status: copyOf('True') }], list: [copyOf('dev'), 3, null] },
    };
    const before = structuredClone(tree);
    expect(strings.internTree(tree)).toBe(tree);
    expect(tree).toEqual(before);
    // Equal strings are now one entry; uid and resourceVersion never enter the table.
    expect(strings.size).toBe(3);
  });

  it('leaves frozen trees and long strings alone', () => {
    const strings = new StringInterner(10, 4);
    const frozen = Object.freeze({ a: copyOf('x') });
    strings.internTree(frozen);
    expect(strings.size).toBe(0);
    // A frozen subtree inside a tree the caller owns is skipped too (writing to it would throw).
    const tree = { a: copyOf('y'), nested: Object.freeze({ b: copyOf('z') }), list: Object.freeze([copyOf('w')]) };
    expect(() => strings.internTree(tree)).not.toThrow();
    expect(strings.size).toBe(1);
    strings.intern(copyOf('long string'));
    expect(strings.size).toBe(1);
    // maxLength itself is still shared; one more character is not.
    strings.intern('four');
    expect(strings.size).toBe(2);
    strings.intern('fives');
    expect(strings.size).toBe(2);
  });

  it('walks nested arrays and records, and skips numbers, booleans and null', () => {
    const strings = new StringInterner();
    strings.internTree([[copyOf('a'), 1, true, null, { b: [copyOf('c')] }], { d: { e: copyOf('f'), n: null, k: 0 } }]);
    expect(strings.size).toBe(3);
  });

  it('starts over when full, so changing strings cannot grow it without limit', () => {
    const strings = new StringInterner(3);
    for (let i = 0; i < 3; i++) strings.intern(`s${i}`);
    expect(strings.size).toBe(3);
    // A value already held is found, not added: the full table is not cleared for it.
    strings.intern(copyOf('s1'));
    expect(strings.size).toBe(3);
    // A new value when full: the table starts over with just that value.
    strings.intern('s3');
    expect(strings.size).toBe(1);
    for (let i = 0; i < 10; i++) strings.intern(`t${i}`);
    expect(strings.size).toBeLessThanOrEqual(3);
  });
});
