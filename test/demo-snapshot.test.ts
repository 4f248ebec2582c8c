// The built-in snapshot (demo/snapshot) must stay what the demo (demo/) builds:
// every object `kubectl kustomize demo` and `kubectl kustomize
// demo/apps/overlays/<env>` output is in the snapshot with the same identity,
// spec, data and (at least) labels, and the snapshot holds nothing else but the
// Deployments the HelmReleases' podinfo chart creates.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
  status?: Record<string, unknown>;
  items?: K8sObject[];
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SNAPSHOT_DIR = join(ROOT, 'demo', 'snapshot');
const ENVS = ['dev', 'staging', 'prod'] as const;
const HELM_NAME_LABEL = 'helm.toolkit.fluxcd.io/name';
const HELM_NAMESPACE_LABEL = 'helm.toolkit.fluxcd.io/namespace';

// These comparisons need kubectl (its built-in kustomize builds demo/). Without it they
// fail saying so: a skipped check would let the snapshot drift from the demo unnoticed.
const kubectlCheck = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const MISSING_KUBECTL =
  kubectlCheck.status === 0
    ? null
    : `kubectl is required to compare demo/snapshot with the kustomize builds of demo/, and \`kubectl version --client\` failed (${kubectlCheck.error?.message ?? kubectlCheck.stderr.trim()}); install kubectl and put it on PATH`;

function parseObjects(text: string, source: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value == null) continue;
    if (value.kind === 'List' && Array.isArray(value.items)) objects.push(...value.items);
    else objects.push(value);
  }
  return objects;
}

const key = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function loadSnapshot() {
  const files = readdirSync(SNAPSHOT_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
  const objects: K8sObject[] = [];
  const forms = { list: [] as string[], multiDocument: [] as string[] };
  for (const file of files) {
    const text = readFileSync(join(SNAPSHOT_DIR, file), 'utf8');
    const docs = parseAllDocuments(text);
    const first = Array.isArray(docs) ? (docs[0]?.toJS() as K8sObject | undefined) : undefined;
    if (first?.kind === 'List') forms.list.push(file);
    else if (Array.isArray(docs) && docs.length > 1) forms.multiDocument.push(file);
    objects.push(...parseObjects(text, file));
  }
  return { files, objects, forms };
}

function kustomize(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { cwd: ROOT, encoding: 'utf8' });
  return parseObjects(out, `kubectl kustomize ${dir}`);
}

const snapshot = loadSnapshot();
const byKey = new Map<string, K8sObject>();
const duplicates: string[] = [];
for (const o of snapshot.objects) {
  if (byKey.has(key(o))) duplicates.push(key(o));
  byKey.set(key(o), o);
}
const ofKind = (kind: string) => snapshot.objects.filter((o) => o.kind === kind);

describe('demo snapshot', () => {
  it('parses, in both forms, with no object twice', () => {
    expect(snapshot.objects.length).toBeGreaterThan(0);
    expect(snapshot.forms.list.length, 'at least one kubectl `kind: List` file').toBeGreaterThan(0);
    expect(snapshot.forms.multiDocument.length, 'at least one multi-document file').toBeGreaterThan(0);
    expect(duplicates).toEqual([]);
    for (const o of snapshot.objects) {
      expect(typeof o.apiVersion, key(o)).toBe('string');
      expect(typeof o.metadata?.name, key(o)).toBe('string');
    }
  });

  describe('against the kustomize builds', () => {
    // built objects by build, for messages
    const builds: { dir: string; objects: K8sObject[] }[] = [];

    beforeAll(() => {
      if (MISSING_KUBECTL) return; // each test below fails, saying so
      builds.push({ dir: 'demo', objects: kustomize('demo') });
      for (const env of ENVS) builds.push({ dir: `demo/apps/overlays/${env}`, objects: kustomize(`demo/apps/overlays/${env}`) });
    });

    it('holds every built object with the same spec, data and labels', () => {
      if (MISSING_KUBECTL) throw new Error(MISSING_KUBECTL);
      for (const { dir, objects } of builds) {
        expect(objects.length, `${dir} builds something`).toBeGreaterThan(0);
        for (const built of objects) {
          const what = `${key(built)} (from ${dir})`;
          const snap = byKey.get(key(built));
          expect(snap, `${what} is missing from demo/snapshot`).toBeDefined();
          if (!snap) continue;
          expect(snap.apiVersion, what).toBe(built.apiVersion);
          expect(snap.metadata.namespace, what).toBe(built.metadata.namespace);
          expect(snap.spec, `${what}: spec`).toEqual(built.spec);
          if (built.kind === 'ConfigMap' || built.data !== undefined) expect(snap.data, `${what}: data`).toEqual(built.data);
          expect(snap.metadata.labels ?? {}, `${what}: labels`).toMatchObject(built.metadata.labels ?? {});
        }
      }
    });

    it('holds nothing else but the Deployments the HelmReleases created', () => {
      if (MISSING_KUBECTL) throw new Error(MISSING_KUBECTL);
      const built = new Set(builds.flatMap((b) => b.objects.map(key)));
      const releases = new Set(ofKind('HelmRelease').map(key));
      const unaccounted = snapshot.objects.filter((o) => {
        if (built.has(key(o))) return false;
        const labels = o.metadata.labels ?? {};
        const release = `HelmRelease ${labels[HELM_NAMESPACE_LABEL]}/${labels[HELM_NAME_LABEL]}`;
        return !(o.kind === 'Deployment' && releases.has(release) && labels[HELM_NAMESPACE_LABEL] === o.metadata.namespace);
      });
      expect(unaccounted.map(key)).toEqual([]);
    });

    it('records in each Kustomization the inventory of its overlay, and labels what it applied', () => {
      if (MISSING_KUBECTL) throw new Error(MISSING_KUBECTL);
      for (const env of ENVS) {
        const overlay = builds.find((b) => b.dir === `demo/apps/overlays/${env}`)?.objects ?? [];
        const expected = overlay.map((o) => {
          const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
          return { id: `${o.metadata.namespace}_${o.metadata.name}_${group}_${o.kind}`, v: version };
        });
        const kustomization = byKey.get(`Kustomization ${env}/${env}`);
        const entries = (kustomization?.status?.inventory as { entries?: unknown[] } | undefined)?.entries ?? [];
        expect(entries, `Kustomization ${env}/${env} inventory`).toEqual(expect.arrayContaining(expected));
        expect(entries).toHaveLength(expected.length);
        for (const o of overlay) {
          expect(byKey.get(key(o))?.metadata.labels, key(o)).toMatchObject({
            'kustomize.toolkit.fluxcd.io/name': env,
            'kustomize.toolkit.fluxcd.io/namespace': env,
          });
        }
      }
    });
  });

  it('is internally consistent: revisions, chart versions and the charts\' Deployments', () => {
    const git = byKey.get('GitRepository flux-system/flux-pipelines-demo');
    const revision = (git?.status?.artifact as { revision?: string } | undefined)?.revision;
    expect(revision).toMatch(/^main@sha1:[0-9a-f]{40}$/);
    for (const k of ofKind('Kustomization')) {
      expect(k.status?.lastAppliedRevision, key(k)).toBe(revision);
      expect(k.status?.lastAttemptedRevision, key(k)).toBe(revision);
    }
    const releases = ofKind('HelmRelease');
    expect(releases.length).toBe(4);
    for (const hr of releases) {
      const ns = hr.metadata.namespace ?? '';
      const version = (hr.spec as { chart: { spec: { version: string } } }).chart.spec.version;
      const history = (hr.status?.history ?? []) as { chartVersion: string; status: string; namespace: string }[];
      expect(history[0], key(hr)).toMatchObject({ chartVersion: version, status: 'deployed', namespace: ns });
      expect(hr.status?.lastAttemptedRevision, key(hr)).toBe(version);
      expect(hr.status?.helmChart, key(hr)).toBe(`flux-system/${ns}-${hr.metadata.name}`);
      const deployment = byKey.get(`Deployment ${ns}/${hr.metadata.name}`);
      expect(deployment, `the chart's Deployment for ${key(hr)}`).toBeDefined();
      expect(deployment?.metadata.labels).toMatchObject({
        [HELM_NAME_LABEL]: hr.metadata.name,
        [HELM_NAMESPACE_LABEL]: ns,
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': `podinfo-${version}`,
      });
      const image = (deployment?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)
        ?.template.spec.containers[0]?.image;
      expect(image, key(hr)).toBe(`ghcr.io/stefanprodan/podinfo:${version}`);
    }
  });
});

// crds/: conversion strategy None only rewrites apiVersion, so all Pipeline
// versions must share one structure; only validation may differ.
describe('crds', () => {
  const VALIDATION_KEYS = new Set([
    'description', 'required', 'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern',
    'minimum', 'maximum', 'enum', 'format', 'x-kubernetes-validations',
  ]);
  const structure = (schema: unknown): unknown => {
    if (Array.isArray(schema)) return schema.map(structure);
    if (schema === null || typeof schema !== 'object') return schema;
    return Object.fromEntries(
      Object.entries(schema as Record<string, unknown>)
        .filter(([k]) => !VALIDATION_KEYS.has(k))
        .map(([k, v]) => [k, structure(v)]),
    );
  };

  it('gives every Pipeline version the same structural schema', () => {
    const [crd] = parseObjects(readFileSync(join(ROOT, 'crds', 'wego.weave.works_pipelines.yaml'), 'utf8'), 'crd');
    const versions = (crd?.spec as { versions: { name: string; schema: { openAPIV3Schema: unknown } }[] }).versions;
    expect(versions.map((v) => v.name)).toEqual(['v1alpha1', 'v1alpha2', 'v1alpha3']);
    const first = structure(versions[0]?.schema.openAPIV3Schema);
    for (const v of versions) expect(structure(v.schema.openAPIV3Schema), v.name).toEqual(first);
  });
});
