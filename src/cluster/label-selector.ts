/**
 * Kubernetes label selectors, both forms: equality-based (`a=b`, `a==b`, `a!=b`)
 * and set-based (`a in (x,y)`, `a notin (x)`, `a`, `!a`), comma-separated and ANDed,
 * with the same meaning as the API server gives them.
 */
export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesnotexist' };

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key)) throw new LabelSelectorError(`invalid label key "${key}" in selector "${selector}"`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value)) {
    throw new LabelSelectorError(`invalid label value "${value}" in selector "${selector}"`);
  }
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim());
}

export function parseLabelSelector(selector: string): Requirement[] {
  if (selector.trim() === '') return [];
  return splitTerms(selector).map((term): Requirement => {
    if (term === '') throw new LabelSelectorError(`empty term in selector "${selector}"`);
    const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term);
    if (set) {
      const values = set[3]!.split(',').map((v) => checkValue(v.trim(), selector));
      return { key: checkKey(set[1]!, selector), op: set[2] as 'in' | 'notin', values };
    }
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (eq) {
      const values = [checkValue(eq[3]!, selector)];
      return { key: checkKey(eq[1]!, selector), op: eq[2] === '!=' ? 'notin' : 'in', values };
    }
    if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim(), selector), op: 'doesnotexist' };
    return { key: checkKey(term, selector), op: 'exists' };
  });
}

export function matchesRequirements(
  labels: Record<string, string> | undefined,
  requirements: readonly Requirement[],
): boolean {
  const own = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(own, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'in':
        return has && r.values.includes(own[r.key]!);
      case 'notin':
        // As in Kubernetes, a missing key satisfies `!=` and `notin`.
        return !has || !r.values.includes(own[r.key]!);
    }
  });
}

export function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  return matchesRequirements(labels, parseLabelSelector(selector));
}
