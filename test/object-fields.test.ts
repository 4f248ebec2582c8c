// Status fields written by controllers are read tolerantly (src/approaches/object-fields.ts):
// they are not ours to validate, so a field of the wrong type reads as absent, never a crash.
import { describe, expect, it } from 'vitest';
import { at, listAt, numberAt, stringAt } from '../src/approaches/object-fields.js';

describe('object field readers', () => {
  const value = { a: { b: [{ c: 'x' }], n: 3, s: '', z: 0, inf: Infinity, nan: NaN, str: '4', nul: null } };

  it('at walks mappings and lists, and stops at anything else', () => {
    expect(at(value, 'a', 'b', 0, 'c')).toBe('x');
    expect(at(value, 'a', 'b', 1, 'c')).toBeUndefined();
    expect(at(value, 'a', 'n', 'deeper')).toBeUndefined();
    expect(at(value, 'a', 'nul', 'deeper')).toBeUndefined();
    expect(at(null, 'a')).toBeUndefined();
    expect(at('text', 'length')).toBeUndefined();
    expect(at(value)).toBe(value);
  });

  it('stringAt: a non-empty string, else null', () => {
    expect(stringAt(value, 'a', 'b', 0, 'c')).toBe('x');
    expect(stringAt(value, 'a', 's')).toBeNull();
    expect(stringAt(value, 'a', 'n')).toBeNull();
    expect(stringAt(value, 'missing')).toBeNull();
  });

  it('numberAt: a finite number (zero included), else null', () => {
    expect(numberAt(value, 'a', 'n')).toBe(3);
    expect(numberAt(value, 'a', 'z')).toBe(0);
    expect(numberAt(value, 'a', 'inf')).toBeNull();
    expect(numberAt(value, 'a', 'nan')).toBeNull();
    expect(numberAt(value, 'a', 'str')).toBeNull();
    expect(numberAt(value, 'missing')).toBeNull();
  });

  it('listAt: a list, else empty', () => {
    expect(listAt(value, 'a', 'b')).toEqual([{ c: 'x' }]);
    expect(listAt(value, 'a', 'n')).toEqual([]);
    expect(listAt(value, 'a', 'str')).toEqual([]);
    expect(listAt(value, 'missing')).toEqual([]);
  });
});
