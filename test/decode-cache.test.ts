// Decoded forms are cached per object version (README "the store": a definition, a ConfigMap's
// YAML included, is decoded once per change, not once per query), failures included.
import { describe, expect, it, vi } from 'vitest';
import { decodeOnce } from '../src/approaches/decode-cache.js';
import type { KubeObject } from '../src/cluster/kube-object.js';

const object = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name } });

describe('decodeOnce', () => {
  it('decodes an object once per purpose, and again for a new version of it', () => {
    const decode = vi.fn((o: KubeObject) => ({ name: o.metadata.name }));
    const v1 = object('a');
    const first = decodeOnce(v1, 'pipeline', decode);
    expect(first).toEqual({ name: 'a' });
    expect(decodeOnce(v1, 'pipeline', decode)).toBe(first);
    expect(decode).toHaveBeenCalledTimes(1);
    // Another purpose on the same object is its own entry.
    const other = vi.fn(() => 'refs');
    expect(decodeOnce(v1, 'stage-refs', other)).toBe('refs');
    expect(decodeOnce(v1, 'stage-refs', other)).toBe('refs');
    expect(other).toHaveBeenCalledTimes(1);
    expect(decodeOnce(v1, 'pipeline', decode)).toBe(first);
    // A changed object is a new object: decoded afresh.
    const v2 = { ...v1 };
    expect(decodeOnce(v2, 'pipeline', decode)).not.toBe(first);
    expect(decode).toHaveBeenCalledTimes(2);
  });

  it('caches a failure too, throwing the same error each time without decoding again', () => {
    const error = new Error('broken definition');
    const decode = vi.fn(() => {
      throw error;
    });
    const o = object('b');
    expect(() => decodeOnce(o, 'pipeline', decode)).toThrow(error);
    let again: unknown;
    try {
      decodeOnce(o, 'pipeline', decode);
    } catch (e) {
      again = e;
    }
    expect(again).toBe(error);
    expect(decode).toHaveBeenCalledTimes(1);
  });

  it('caches a decoded undefined or null as a value, not as a miss', () => {
    const decode = vi.fn(() => null);
    const o = object('c');
    expect(decodeOnce(o, 'x', decode)).toBeNull();
    expect(decodeOnce(o, 'x', decode)).toBeNull();
    expect(decode).toHaveBeenCalledTimes(1);
  });
});
