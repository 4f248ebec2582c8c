#!/usr/bin/env node
/**
 * Writes a synthetic, deterministic Flux fleet as a snapshot the service can serve
 * (`--source <dir>` or `--source <file>`), for `npm run bench` and for trying the
 * service at scale by hand:
 *
 *   node dist/scripts/fleet.js --out /tmp/fleet [--scale 0.1] [--seed 1] [--list]
 *
 * At scale 1: 1,000 HYBRID pipelines × 5 stages × 10 releases (Kustomizations and
 * HelmReleases alternating, each labelled for its pipeline, with Ready conditions,
 * revisions, Helm history or an inventory) and one Deployment per release: 101,000
 * objects. Ten pipelines share a team, and a team's stage is one namespace, so a stage
 * namespace holds 100 releases and 100 Deployments, as a busy cluster does.
 *
 * The objects look like `kubectl get -o yaml` output (managedFields, HelmRelease values,
 * container env and probes included) because what the service must skip or drop costs
 * memory and parse time too. The same seed and scale always give byte-identical files.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const FLEET_VERSION = 1;
export const STAGES = ['dev', 'qa', 'staging', 'preprod', 'prod'] as const;
export const RELEASES_PER_STAGE = 10;
export const PIPELINES_AT_FULL_SCALE = 1000;
const PIPELINES_PER_TEAM = 10;
const PIPELINE_LABEL = 'pipelines.wego.weave.works/name';
const BASE_TIME = Date.UTC(2026, 2, 2, 9, 0, 0);

export interface FleetOptions {
  /** Fraction of the full fleet (1,000 pipelines); at least one pipeline is written. */
  scale: number;
  seed: number;
  /** One `kind: List` file (as `kubectl get -o yaml` writes) instead of a directory of files. */
  list: boolean;
}

export interface FleetSummary {
  version: number;
  scale: number;
  seed: number;
  list: boolean;
  pipelines: number;
  stages: number;
  releases: number;
  deployments: number;
  objects: number;
  files: number;
  bytes: number;
  /** What to pass to `--source`: the directory, or the List file in it. */
  source: string;
}

export const pipelineCount = (scale: number): number => Math.max(1, Math.round(PIPELINES_AT_FULL_SCALE * scale));
export const pipelineName = (i: number): string => `app-${String(i).padStart(4, '0')}`;
export const FLEET_PIPELINE_NAMESPACE = 'flux-system';

const teamOf = (i: number): string => `team-${String(Math.floor(i / PIPELINES_PER_TEAM)).padStart(3, '0')}`;
export const stageNamespace = (i: number, stage: string): string => `${teamOf(i)}-${stage}`;

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Ids {
  private n = 0;
  constructor(private readonly random: () => number) {}
  hex(length: number): string {
    let s = '';
    while (s.length < length) s += Math.floor(this.random() * 0x100000000).toString(16).padStart(8, '0');
    return s.slice(0, length);
  }
  uid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  resourceVersion(): string {
    return String(100000 + ++this.n);
  }
}

const time = (offsetSeconds: number): string => new Date(BASE_TIME + offsetSeconds * 1000).toISOString().replace('.000Z', 'Z');

function managedFields(manager: string, at: string, fields: Record<string, unknown>) {
  return [{ apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: fields, manager, operation: 'Apply', time: at }];
}

type Obj = Record<string, unknown>;

/** The objects of one pipeline: its Pipeline, and per stage its releases and their Deployments. */
function pipelineObjects(i: number, random: () => number, ids: Ids): { pipeline: Obj; byNamespace: Map<string, Obj[]> } {
  const name = pipelineName(i);
  const pipeline: Obj = {
    apiVersion: 'wego.weave.works/v1alpha1',
    kind: 'Pipeline',
    metadata: {
      creationTimestamp: time(i),
      generation: 1,
      name,
      namespace: FLEET_PIPELINE_NAMESPACE,
      resourceVersion: ids.resourceVersion(),
      uid: ids.uid(),
    },
    spec: { stages: STAGES.map((stage, s) => ({ name: stage, namespace: stageNamespace(i, stage), order: s + 1 })) },
  };
  const byNamespace = new Map<string, Obj[]>();
  STAGES.forEach((stage, s) => {
    const namespace = stageNamespace(i, stage);
    const objects: Obj[] = [];
    for (let r = 0; r < RELEASES_PER_STAGE; r++) {
      const release = `${name}-svc${r}`;
      const ready = random() >= 0.03;
      const suspended = random() < 0.01;
      // Later stages lag behind: prod runs an older build than dev.
      const patch = 20 - s - Math.floor(random() * 2);
      const appVersion = `1.${r}.${patch}`;
      const commit = ids.hex(40);
      const updated = 86400 + Math.floor(random() * 86400 * 20);
      const labels = { [PIPELINE_LABEL]: name, 'app.kubernetes.io/part-of': name, team: teamOf(i) };
      const image = `registry.example.com/${teamOf(i)}/${name}-svc${r}`;
      if (r % 2 === 0) {
        objects.push(kustomization(namespace, release, labels, { ready, suspended, commit, updated, ids }));
        objects.push(deployment(namespace, release, image, appVersion, { 'kustomize.toolkit.fluxcd.io/name': release, 'kustomize.toolkit.fluxcd.io/namespace': namespace }, ids, random));
      } else {
        objects.push(helmRelease(namespace, release, labels, { ready, suspended, appVersion, r, patch, updated, ids }));
        objects.push(
          deployment(namespace, release, image, appVersion, { 'helm.toolkit.fluxcd.io/name': release, 'helm.toolkit.fluxcd.io/namespace': namespace, 'app.kubernetes.io/managed-by': 'Helm' }, ids, random),
        );
      }
    }
    byNamespace.set(namespace, objects);
  });
  return { pipeline, byNamespace };
}

function readyCondition(ready: boolean, at: string, okReason: string, okMessage: string, generation: number) {
  return ready
    ? { lastTransitionTime: at, message: okMessage, observedGeneration: generation, reason: okReason, status: 'True', type: 'Ready' }
    : { lastTransitionTime: at, message: 'health check failed after 5m0s: timeout waiting for: [Deployment/app status: \'InProgress\']', observedGeneration: generation, reason: 'HealthCheckFailed', status: 'False', type: 'Ready' };
}

function kustomization(namespace: string, name: string, labels: Obj, o: { ready: boolean; suspended: boolean; commit: string; updated: number; ids: Ids }): Obj {
  const at = time(o.updated);
  const revision = `main@sha1:${o.commit}`;
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: {
      creationTimestamp: time(3600),
      finalizers: ['finalizers.fluxcd.io'],
      generation: 2,
      labels,
      managedFields: managedFields('kustomize-controller', at, { 'f:status': { 'f:conditions': {}, 'f:inventory': { '.': {}, 'f:entries': {} }, 'f:lastAppliedRevision': {} } }),
      name,
      namespace,
      resourceVersion: o.ids.resourceVersion(),
      uid: o.ids.uid(),
    },
    spec: {
      interval: '5m',
      path: `./apps/${name}/overlays/${namespace}`,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'fleet', namespace: 'flux-system' },
      suspend: o.suspended,
      targetNamespace: namespace,
      timeout: '5m',
      wait: true,
    },
    status: {
      conditions: [readyCondition(o.ready, at, 'ReconciliationSucceeded', `Applied revision: ${revision}`, 2)],
      inventory: {
        entries: [
          { id: `${namespace}_${name}__ConfigMap`, v: 'v1' },
          { id: `${namespace}_${name}__Service`, v: 'v1' },
          { id: `${namespace}_${name}_apps_Deployment`, v: 'v1' },
        ],
      },
      lastAppliedRevision: revision,
      lastAttemptedRevision: revision,
      observedGeneration: 2,
    },
  };
}

function helmRelease(namespace: string, name: string, labels: Obj, o: { ready: boolean; suspended: boolean; appVersion: string; r: number; patch: number; updated: number; ids: Ids }): Obj {
  const at = time(o.updated);
  const chart = `svc${o.r}`;
  const history = [0, 1, 2].map((back) => ({
    appVersion: `1.${o.r}.${o.patch - back}`,
    chartName: chart,
    chartVersion: `2.${o.r}.${o.patch - back}`,
    configDigest: `sha256:${o.ids.hex(64)}`,
    digest: `sha256:${o.ids.hex(64)}`,
    firstDeployed: time(3600),
    lastDeployed: time(o.updated - back * 86400),
    name,
    namespace,
    status: back === 0 ? 'deployed' : 'superseded',
    version: 3 - back,
  }));
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: {
      creationTimestamp: time(3600),
      finalizers: ['finalizers.fluxcd.io'],
      generation: 3,
      labels,
      managedFields: managedFields('helm-controller', at, { 'f:status': { 'f:conditions': {}, 'f:history': {}, 'f:lastAttemptedRevision': {} } }),
      name,
      namespace,
      resourceVersion: o.ids.resourceVersion(),
      uid: o.ids.uid(),
    },
    spec: {
      chart: { spec: { chart, sourceRef: { kind: 'HelmRepository', name: 'charts', namespace: 'flux-system' }, version: `2.${o.r}.${o.patch}` } },
      interval: '5m',
      suspend: o.suspended,
      // Never read by the service, and never to be served: it stands for the secrets real values hold.
      values: { replicaCount: 2, database: { host: `db.${namespace}.svc`, password: 'bench-not-a-secret' }, resources: { limits: { memory: '256Mi' } } },
    },
    status: {
      conditions: [
        readyCondition(o.ready, at, 'UpgradeSucceeded', `Helm upgrade succeeded for release ${namespace}/${name}.v3 with chart ${chart}@2.${o.r}.${o.patch}`, 3),
        { lastTransitionTime: at, message: `Helm upgrade succeeded for release ${namespace}/${name}.v3 with chart ${chart}@2.${o.r}.${o.patch}`, observedGeneration: 3, reason: 'UpgradeSucceeded', status: 'True', type: 'Released' },
      ],
      helmChart: `flux-system/${namespace}-${name}`,
      history,
      lastAttemptedGeneration: 3,
      lastAttemptedRevision: `2.${o.r}.${o.patch}`,
      lastAttemptedValuesChecksum: o.ids.hex(40),
      observedGeneration: 3,
    },
  };
}

function deployment(namespace: string, name: string, image: string, tag: string, ownerLabels: Obj, ids: Ids, random: () => number): Obj {
  const replicas = 1 + Math.floor(random() * 3);
  const ready = random() < 0.95 ? replicas : replicas - 1;
  const selector = { 'app.kubernetes.io/name': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      creationTimestamp: time(3700),
      generation: 3,
      labels: { ...selector, 'app.kubernetes.io/version': tag, ...ownerLabels },
      managedFields: managedFields('kube-controller-manager', time(3700), { 'f:status': { 'f:availableReplicas': {}, 'f:conditions': {}, 'f:readyReplicas': {} } }),
      name,
      namespace,
      resourceVersion: ids.resourceVersion(),
      uid: ids.uid(),
    },
    spec: {
      replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          containers: [
            {
              name: 'app',
              image: `${image}:${tag}`,
              args: ['--port=8080', '--log-level=info'],
              env: [
                { name: 'DATABASE_URL', value: `postgres://app:bench-not-a-secret@db.${namespace}.svc:5432/app` },
                { name: 'LOG_FORMAT', value: 'json' },
              ],
              ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 10 },
              resources: { limits: { memory: '256Mi' }, requests: { cpu: '50m', memory: '64Mi' } },
              volumeMounts: [{ mountPath: '/tmp', name: 'tmp' }],
            },
          ],
          initContainers: [{ name: 'migrate', image: `${image}-migrations:${tag}`, args: ['up'] }],
          volumes: [{ emptyDir: {}, name: 'tmp' }],
        },
      },
    },
    status: {
      availableReplicas: ready,
      conditions: [{ lastTransitionTime: time(3800), lastUpdateTime: time(3800), message: 'Deployment has minimum availability.', reason: 'MinimumReplicasAvailable', status: 'True', type: 'Available' }],
      observedGeneration: 3,
      readyReplicas: ready,
      replicas,
      updatedReplicas: replicas,
    },
  };
}

// Block-style YAML as kubectl prints it. Hand-written because the generic emitter took
// minutes for the full fleet; the data here is only maps, lists, strings, numbers and
// booleans. Strings stay plain when no YAML reader could take them for anything else,
// and are written as JSON strings (valid YAML double-quoted scalars) otherwise.
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;
const scalar = (value: unknown): string =>
  typeof value === 'string' ? (PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value)) : String(value);
const isEmpty = (value: unknown): boolean =>
  Array.isArray(value) ? value.length === 0 : typeof value === 'object' && value !== null && Object.keys(value).length === 0;

function emit(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'object' && item !== null && !isEmpty(item)) {
        const lines: string[] = [];
        emit(item, '', lines);
        lines.forEach((line, n) => out.push(`${indent}${n === 0 ? '- ' : '  '}${line}`));
      } else {
        out.push(`${indent}- ${isEmpty(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
      }
    }
    return;
  }
  for (const [key, item] of Object.entries(value as Obj)) {
    if (typeof item === 'object' && item !== null && !isEmpty(item)) {
      out.push(`${indent}${scalar(key)}:`);
      emit(item, `${indent}  `, out);
    } else {
      out.push(`${indent}${scalar(key)}: ${isEmpty(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
    }
  }
}

const toYaml = (object: Obj): string => {
  const lines: string[] = [];
  emit(object, '', lines);
  return lines.join('\n') + '\n';
};

/** Indents one object's YAML as an item of a block list (`- ` then two spaces), as kubectl writes `items:`. */
function asListItem(yamlText: string): string {
  const lines = yamlText.replace(/\n$/, '').split('\n');
  return lines.map((line, n) => (n === 0 ? `- ${line}` : `  ${line}`)).join('\n') + '\n';
}

/**
 * Writes the fleet under `out` (emptied first: a stale file from another scale would
 * silently join the snapshot). Returns what was written.
 */
export function writeFleet(out: string, options: FleetOptions): FleetSummary {
  if (!(options.scale > 0)) throw new Error(`--scale must be a number above 0, got ${options.scale}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const random = prng(options.seed);
  const ids = new Ids(prng(options.seed ^ 0x5bd1e995));
  const count = pipelineCount(options.scale);
  const pipelines: Obj[] = [];
  const byNamespace = new Map<string, Obj[]>();
  let releases = 0;
  let files = 0;
  let bytes = 0;
  let listFd: number | null = null;
  const listPath = join(out, 'fleet-list.yaml');
  const writeText = (file: string, text: string) => {
    writeFileSync(join(out, file), text);
    files++;
    bytes += Buffer.byteLength(text);
  };
  const appendList = (text: string) => {
    writeSync(listFd!, text);
    bytes += Buffer.byteLength(text);
  };
  if (options.list) {
    listFd = openSync(listPath, 'w');
    files = 1;
    appendList('apiVersion: v1\nitems:\n');
  }
  // Written a team at a time, so memory stays flat whatever the scale.
  const flush = () => {
    for (const [namespace, objects] of byNamespace) {
      releases += objects.length / 2;
      if (listFd !== null) appendList(objects.map((o) => asListItem(toYaml(o))).join(''));
      else writeText(`${namespace}.yaml`, objects.map(toYaml).join('---\n'));
    }
    byNamespace.clear();
  };
  for (let i = 0; i < count; i++) {
    const generated = pipelineObjects(i, random, ids);
    pipelines.push(generated.pipeline);
    for (const [namespace, objects] of generated.byNamespace) byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), ...objects]);
    if ((i + 1) % PIPELINES_PER_TEAM === 0) flush();
  }
  flush();
  if (listFd !== null) {
    appendList(pipelines.map((p) => asListItem(toYaml(p))).join(''));
    appendList('kind: List\nmetadata:\n  resourceVersion: ""\n');
    closeSync(listFd);
  } else {
    writeText('pipelines.yaml', pipelines.map(toYaml).join('---\n'));
  }
  const summary: FleetSummary = {
    version: FLEET_VERSION,
    scale: options.scale,
    seed: options.seed,
    list: options.list,
    pipelines: count,
    stages: count * STAGES.length,
    releases,
    deployments: releases,
    objects: count + releases * 2,
    files,
    bytes,
    source: options.list ? listPath : out,
  };
  // A JSON file, not YAML: the service reads only .yaml/.yml, so this never joins the snapshot.
  writeFileSync(join(out, 'fleet.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/** The summary of a fleet already written with these options, or null (then write it again). */
export async function existingFleet(out: string, options: FleetOptions): Promise<FleetSummary | null> {
  try {
    const { readFile } = await import('node:fs/promises');
    const summary = JSON.parse(await readFile(join(out, 'fleet.json'), 'utf8')) as FleetSummary;
    const same = summary.version === FLEET_VERSION && summary.scale === options.scale && summary.seed === options.seed && summary.list === options.list;
    const expectedFiles = options.list ? 1 : summary.files;
    const present = readdirSync(out).filter((f) => f.endsWith('.yaml')).length;
    return same && present === expectedFiles ? summary : null;
  } catch {
    return null;
  }
}

const USAGE = `Usage: node dist/scripts/fleet.js --out DIR [--scale F] [--seed N] [--list]

Writes a deterministic fleet snapshot: 1,000 HYBRID pipelines x 5 stages x 10
releases with their Deployments at scale 1 (101,000 objects).

  --out DIR     directory to write (emptied first)
  --scale F     fraction of the full fleet, e.g. 0.1 or 0.01 (default 1)
  --seed N      random seed (default 1)
  --list        one kind: List file (DIR/fleet-list.yaml) instead of one file per namespace
`;

function main(): void {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, scale: { type: 'string' }, seed: { type: 'string' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.out) throw new Error('--out DIR is required');
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  const started = performance.now();
  const summary = writeFleet(resolve(values.out), { scale, seed, list: values.list ?? false });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `wrote ${summary.objects} objects (${summary.pipelines} pipelines, ${summary.releases} releases, ${summary.deployments} Deployments) ` +
      `in ${summary.files} file(s), ${(summary.bytes / 1048576).toFixed(1)} MiB, in ${seconds} s: --source ${summary.source}\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`fleet: ${(error as Error).message}\n${USAGE}`);
    process.exit(1);
  }
}
