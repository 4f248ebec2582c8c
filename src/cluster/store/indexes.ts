import { PIPELINE_LABEL } from '../../model/pipeline.js';
import type { KubeObject } from '../kube-object.js';

/**
 * Indexes as client-go's Indexer has them: plain functions from an object to the keys it
 * is found under. Every key starts with the object's namespace, and is emitted a second
 * time under ALL (every namespace), so that a lookup in one namespace never touches objects
 * of another, and a lookup across namespaces is one read too.
 */
export type IndexFunction = (object: KubeObject) => string[];

const ALL = '*';
const SEP = '\u0000';

/**
 * The key an index is read at: (namespace or all) and the index-specific value. Built with
 * join, which makes one flat string: `+` and template literals make a rope (a cons string)
 * that a Map keeps as an extra 32-byte node per key, a few MiB over 100k objects.
 */
export const indexKey = (namespace: string | null, value: string): string => [namespace ?? ALL, value].join(SEP);

const scoped = (object: KubeObject, value: string): string[] => [
  indexKey(object.metadata.namespace ?? '', value),
  indexKey(null, value),
];

/** The Flux owner labels: what kustomize-controller and helm-controller put on what they apply. */
export const FLUX_OWNER_PREFIXES = ['kustomize.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io'] as const;

/** Single labels worth an index of their own: the pipeline opt-in label. */
export const INDEXED_LABELS = [PIPELINE_LABEL] as const;

export const ownerValue = (prefix: string, namespace: string, name: string): string => `${prefix}${SEP}${namespace}/${name}`;

/*
 * No index by name: a read by name is the table's own key (`namespace/name`). One that also
 * found a name across namespaces was read by nothing and held two keys per object, ~15 MiB of
 * a 101,000-object fleet's heap.
 */
export const INDEXES = {
  /** Objects by indexed label=value. */
  label: (o) => {
    const labels = o.metadata.labels;
    if (!labels) return [];
    return INDEXED_LABELS.flatMap((key) => (typeof labels[key] === 'string' ? scoped(o, `${key}=${labels[key]}`) : []));
  },
  /** Objects by the Flux release that applied them (both owner labels present). */
  owner: (o) => {
    const labels = o.metadata.labels;
    if (!labels) return [];
    return FLUX_OWNER_PREFIXES.flatMap((prefix) => {
      const name = labels[`${prefix}/name`];
      const namespace = labels[`${prefix}/namespace`];
      return typeof name === 'string' && typeof namespace === 'string' ? scoped(o, ownerValue(prefix, namespace, name)) : [];
    });
  },
  /** Flux releases by the ids of their inventory entries (`<ns>_<name>_<group>_<kind>`). */
  inventory: (o) => {
    const inventory = (o.status as { inventory?: { entries?: unknown } } | undefined)?.inventory;
    const entries = inventory?.entries;
    if (!Array.isArray(entries)) return [];
    return entries.flatMap((e) => {
      const id = (e as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? scoped(o, id) : [];
    });
  },
} satisfies Record<string, IndexFunction>;

export type IndexName = keyof typeof INDEXES;
