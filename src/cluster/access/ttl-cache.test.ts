import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('shares one computation among concurrent asks, and keeps its value until its expiry', async () => {
    const clock = { now: 0 };
    const cache = new TtlCache<string>(10, () => clock.now);
    let computed = 0;
    const compute = async () => ({ value: `v${++computed}`, expiresAt: clock.now + 100 });
    expect(await Promise.all([cache.get('k', compute), cache.get('k', compute), cache.get('k', compute)])).toEqual(['v1', 'v1', 'v1']);
    clock.now = 99;
    expect(await cache.get('k', compute)).toBe('v1');
    clock.now = 100;
    expect(await cache.get('k', compute)).toBe('v2');
  });

  it('does not remember a failure, nor a value that is already expired', async () => {
    const cache = new TtlCache<number>(10, () => 50);
    await expect(cache.get('k', async () => Promise.reject(new Error('review failed')))).rejects.toThrow('review failed');
    expect(await cache.get('k', async () => ({ value: 1, expiresAt: 50 }))).toBe(1);
    expect(await cache.get('k', async () => ({ value: 2, expiresAt: 60 }))).toBe(2);
    expect(await cache.get('k', async () => ({ value: 3, expiresAt: 60 }))).toBe(2);
  });

  it('with minRemainingMs, computes again a value that has less than that left, and keeps serving it meanwhile', async () => {
    const clock = { now: 0 };
    const cache = new TtlCache<string>(10, () => clock.now);
    let computed = 0;
    let release!: () => void;
    const slow = () =>
      new Promise<{ value: string; expiresAt: number }>((resolve) => {
        const value = `v${++computed}`;
        release = () => resolve({ value, expiresAt: clock.now + 100 });
      });
    const first = cache.get('k', slow);
    release();
    expect(await first).toBe('v1');
    clock.now = 49;
    expect(await cache.get('k', slow, 50)).toBe('v1'); // 51 ms left: more than asked
    clock.now = 50;
    const refreshed = cache.get('k', slow, 50); // exactly 50 left: not more, so asked again
    expect(computed).toBe(2);
    expect(await cache.get('k', slow)).toBe('v1'); // a caller without the bound still gets it
    release();
    expect(await refreshed).toBe('v2');
    clock.now = 149;
    expect(await cache.get('k', slow)).toBe('v2');
  });

  it('holds at most maxEntries, dropping the oldest first', async () => {
    const cache = new TtlCache<number>(3, () => 0);
    for (let i = 0; i < 5; i++) await cache.get(`k${i}`, async () => ({ value: i, expiresAt: 1 }));
    expect(cache.size).toBe(3);
    expect(await cache.get('k4', async () => ({ value: -1, expiresAt: 1 }))).toBe(4);
    expect(await cache.get('k0', async () => ({ value: -1, expiresAt: 1 }))).toBe(-1);
  });
});
