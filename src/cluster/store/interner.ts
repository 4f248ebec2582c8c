/**
 * One copy of each repeated string in the store. A fleet repeats the same few strings
 * (namespaces, label keys and values, apiVersions, condition types, reasons and messages,
 * timestamps of one rollout) across tens of thousands of objects, and every parser
 * (JSON.parse for the API server, js-yaml and the thread boundary for snapshots) hands
 * each occurrence over as a string of its own: at 100k objects, about a third of the
 * store's heap was such copies.
 *
 * The table is bounded: when it holds `capacity` strings it starts over empty, so
 * strings that come and go with object versions (messages naming a revision, resource
 * versions) cannot grow it without limit. Strings already in stored objects stay where
 * they are; only later arrivals are shared with a fresh table.
 */
export class StringInterner {
  private table = new Map<string, string>();

  constructor(
    private readonly capacity = 50_000,
    /** Longer strings are rarely repeated (a ConfigMap's YAML, a long message): kept as they are. */
    private readonly maxLength = 256,
  ) {}

  get size(): number {
    return this.table.size;
  }

  intern(value: string): string {
    if (value.length > this.maxLength) return value;
    const known = this.table.get(value);
    if (known !== undefined) return known;
    if (this.table.size >= this.capacity) this.table = new Map();
    this.table.set(value, value);
    return value;
  }

  /**
   * Replaces, in place, every string value inside a JSON-like tree with its shared copy.
   * Only for trees the caller owns (a freshly parsed or projected object about to be
   * stored): the tree's values stay equal, only their identity changes.
   */
  internTree<T>(tree: T): T {
    this.walk(tree as unknown);
    return tree;
  }

  private walk(node: unknown): void {
    // Object.isFrozen is also true for every primitive and for null, so this one test ends
    // the walk at each leaf that is not a string. A frozen tree (a caller's constant) is left
    // as it is: sharing is an economy, not a duty.
    if (Object.isFrozen(node)) return;
    // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent, the record walk below visits an array too (for…in yields its indices), only more slowly
    if (Array.isArray(node)) {
      // Stryker disable next-line EqualityOperator: equivalent, one past the end is undefined, a leaf the walk ends at
      for (let i = 0; i < node.length; i++) {
        const value: unknown = node[i];
        if (typeof value === 'string') node[i] = this.intern(value);
        else this.walk(value);
      }
      return;
    }
    const record = node as Record<string, unknown>;
    for (const key in record) {
      const value = record[key];
      if (typeof value !== 'string') this.walk(value);
      // One per object version: sharing them would only fill the table.
      else if (key !== 'uid' && key !== 'resourceVersion') record[key] = this.intern(value);
    }
  }
}
