/**
 * Kubernetes object name rules. Names are checked before they reach a URL: the
 * client only URL-encodes, so "." or ".." would address a whole collection.
 */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Label values: empty, or up to 63 of [A-Za-z0-9_.-] starting and ending alphanumeric. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export type NameRule = 'namespace' | 'name' | 'label-value';

/** Why `value` is not acceptable under `rule`, or null when it is. */
export function nameProblem(value: string, rule: NameRule): string | null {
  if (rule === 'label-value') {
    if (value.length > 63) return `must be at most 63 characters (is ${value.length})`;
    return LABEL_VALUE.test(value) ? null : 'must be a valid label value (letters, digits, "-", "_", "."; alphanumeric at both ends)';
  }
  if (value === '') return 'must not be empty';
  const max = rule === 'namespace' ? 63 : 253;
  if (value.length > max) return `must be at most ${max} characters (is ${value.length})`;
  const pattern = rule === 'namespace' ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
  if (!pattern.test(value)) {
    return rule === 'namespace'
      ? 'must be a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)'
      : 'must be a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", starting and ending with a letter or digit)';
  }
  return null;
}
