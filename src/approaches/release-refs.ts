import { RELEASE_KINDS, type ReleaseRef } from '../model/pipeline.js';
import type { FieldReader } from './definition-fields.js';

/**
 * `releaseRefs` as CRD and STAGE definitions list them. Refs resolve in the namespace
 * of the stage that lists them (the POC says they MUST live there), so an explicit
 * namespace is allowed only when it says the same thing.
 */
export function readReleaseRefs(
  fields: FieldReader,
  raw: unknown,
  path: string,
  namespace: string | undefined,
): ReleaseRef[] | undefined {
  const items = fields.list(raw, path, { required: true });
  if (!items) return undefined;
  const refs: ReleaseRef[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const at = `${path}[${i}]`;
    const ref = fields.record(item, at);
    if (!ref) return;
    const kind = fields.string(ref.kind, `${at}.kind`, { required: true });
    const name = fields.string(ref.name, `${at}.name`, { required: true, rule: 'name' });
    const ns = fields.string(ref.namespace, `${at}.namespace`, { rule: 'namespace' });
    if (ns !== undefined && namespace !== undefined && ns !== namespace) {
      fields.problem(`${at}.namespace`, `"${ns}" differs from the stage namespace "${namespace}"; releases must live in their stage's namespace`);
      return;
    }
    if (!kind || !name || !namespace) return;
    // An unsupported kind is kept: it fails alone at its own place in the stage, not the whole definition.
    const key = `${kind}/${name}`;
    if (seen.has(key)) {
      fields.problem(at, `${key} is listed more than once`);
      return;
    }
    seen.add(key);
    refs.push({ kind, name, namespace });
  });
  return refs;
}

export const isReleaseKind = (kind: string): kind is (typeof RELEASE_KINDS)[number] =>
  (RELEASE_KINDS as readonly string[]).includes(kind);
