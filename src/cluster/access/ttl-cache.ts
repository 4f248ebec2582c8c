/**
 * A small cache of review answers: entries live until their own expiry time, at most
 * `maxEntries` are kept (oldest dropped first), and concurrent asks for one key share
 * one computation, so a burst of requests by one user makes one review, not hundreds.
 * A computation that fails is not remembered: the next ask tries again.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The cached value, or the computed one; `compute` says until when (epoch ms) it may be
   * kept. With `minRemainingMs`, a cached value is used only while it has at least that long
   * left (else it is computed again and replaced): a caller that re-asks on a period shorter
   * than the TTL uses this to see a change within one TTL, not up to two.
   */
  get(key: string, compute: () => Promise<{ value: V; expiresAt: number }>, minRemainingMs = 0): Promise<V> {
    const entry = this.entries.get(key);
    if (entry) {
      const now = this.now();
      if (entry.expiresAt > now + minRemainingMs) return Promise.resolve(entry.value);
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    const running = this.pending.get(key);
    if (running) return running;
    const computation = compute().then(
      ({ value, expiresAt }) => {
        this.pending.delete(key);
        if (expiresAt > this.now()) this.store(key, value, expiresAt);
        return value;
      },
      (error: unknown) => {
        this.pending.delete(key);
        throw error;
      },
    );
    this.pending.set(key, computation);
    return computation;
  }

  /** Until when (epoch ms) the value cached under `key` is kept; undefined when none is. */
  expiryOf(key: string): number | undefined {
    return this.entries.get(key)?.expiresAt;
  }

  get size(): number {
    return this.entries.size;
  }

  private store(key: string, value: V, expiresAt: number): void {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt });
  }
}
