import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../cluster/kube-object.js';
import { decodeOnce } from './decode-cache.js';

const object = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'dev' } });

describe('decodeOnce', () => {
  it('decodes an object version once per kind of decoding, and again for a new version', () => {
    let calls = 0;
    const decode = (o: KubeObject) => ({ name: o.metadata.name, call: ++calls });
    const first = object('a');
    const once = decodeOnce(first, 'test-once', decode);
    expect(decodeOnce(first, 'test-once', decode)).toBe(once);
    expect(calls).toBe(1);
    // Another kind of decoding of the same object is its own entry.
    expect(decodeOnce(first, 'test-once-other', (o) => o.metadata.name)).toBe('a');
    expect(decodeOnce(first, 'test-once', decode)).toBe(once);
    // A changed object is a new object: decoded afresh, equal content or not.
    expect(decodeOnce(object('a'), 'test-once', decode)).toEqual({ name: 'a', call: 2 });
  });

  it('remembers a failure and a value that is undefined without decoding again', () => {
    let calls = 0;
    const broken = object('broken');
    const fail = () => {
      calls++;
      throw new Error('bad definition');
    };
    expect(() => decodeOnce(broken, 'test-fail', fail)).toThrow('bad definition');
    expect(() => decodeOnce(broken, 'test-fail', fail)).toThrow('bad definition');
    const nothing = () => {
      calls++;
      return undefined;
    };
    expect(decodeOnce(broken, 'test-undefined', nothing)).toBeUndefined();
    expect(decodeOnce(broken, 'test-undefined', nothing)).toBeUndefined();
    expect(calls).toBe(2);
  });
});
