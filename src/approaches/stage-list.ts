import type { ReleaseRef } from '../model/pipeline.js';
import type { FieldReader } from './definition-fields.js';
import { readReleaseRefs } from './release-refs.js';

export interface StageSpec {
  name: string;
  namespace: string;
  order: number;
  cluster: string | null;
  refs?: ReleaseRef[];
}

/**
 * The `stages` list shared by HYBRID, CRD and CM definitions, checked as a whole:
 * at least one stage, unique names, unique orders. Returned sorted by order.
 */
export function readStageList(
  fields: FieldReader,
  raw: unknown,
  path: string,
  options: { refs: boolean },
): StageSpec[] {
  const items = fields.list(raw, path, { required: true, minItems: 1 }) ?? [];
  const stages: StageSpec[] = [];
  items.forEach((item, i) => {
    const at = `${path}[${i}]`;
    const stage = fields.record(item, at);
    if (!stage) return;
    const name = fields.string(stage.name, `${at}.name`, { required: true, rule: 'namespace' });
    const namespace = fields.string(stage.namespace, `${at}.namespace`, { required: true, rule: 'namespace' });
    const order = fields.integer(stage.order, `${at}.order`, { required: true, min: 1 });
    const cluster = fields.string(stage.cluster, `${at}.cluster`) ?? null;
    let refs: ReleaseRef[] | undefined;
    if (options.refs) {
      refs = readReleaseRefs(fields, stage.releaseRefs, `${at}.releaseRefs`, namespace);
    } else if (stage.releaseRefs !== undefined) {
      fields.problem(`${at}.releaseRefs`, 'not allowed here: releases join this pipeline by label');
    }
    if (name === undefined || namespace === undefined || order === undefined) return;
    stages.push({ name, namespace, order, cluster: cluster || null, ...(refs ? { refs } : {}) });
  });
  reportDuplicates(fields, path, stages, 'name', (s) => s.name);
  reportDuplicates(fields, path, stages, 'order', (s) => String(s.order));
  return stages.sort((a, b) => a.order - b.order);
}

function reportDuplicates(
  fields: FieldReader,
  path: string,
  stages: StageSpec[],
  what: string,
  key: (s: StageSpec) => string,
): void {
  const counts = new Map<string, number>();
  for (const s of stages) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
  for (const [value, count] of counts) {
    if (count > 1) fields.problem(path, `stage ${what} ${JSON.stringify(value)} is used by ${count} stages; it must be unique`);
  }
}
