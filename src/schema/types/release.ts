import type { HelmReleaseRelease, KustomizationRelease, Release } from '../../model/release.js';
import { builder } from '../builder.js';
import { NodeInterface } from './node.js';
import { WorkloadType } from './workload.js';

export const ReleaseInterface = builder.interfaceRef<Release>('Release').implement({
  description:
    'A Flux object that deploys something: a Kustomization or a HelmRelease. Same object, same id, whichever pipeline shows it.',
  interfaces: [NodeInterface],
  resolveType: (release) => release.kind,
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable id: "<kind>:<namespace>/<name>".' }),
    kind: t.exposeString('kind', { description: 'The Kubernetes kind: "Kustomization" or "HelmRelease".' }),
    name: t.exposeString('name', { description: 'The object name.' }),
    namespace: t.exposeString('namespace', { description: 'The object namespace.' }),
    apiVersion: t.exposeString('apiVersion', { description: 'The API version the object was read at.' }),
    ready: t.boolean({
      description: 'True only when the Ready condition is "True". A missing condition (never reconciled) is not ready.',
      resolve: (r) => r.readiness.ready,
    }),
    readyStatus: t.string({
      nullable: true,
      description: 'The Ready condition status as Flux wrote it: "True", "False" or "Unknown"; null when there is none.',
      resolve: (r) => r.readiness.status,
    }),
    readyReason: t.string({
      nullable: true,
      description: 'The Ready condition reason, e.g. "ReconciliationSucceeded" or "InstallFailed".',
      resolve: (r) => r.readiness.reason,
    }),
    readyMessage: t.string({ nullable: true, description: 'The Ready condition message.', resolve: (r) => r.readiness.message }),
    readyTransitionTime: t.string({
      nullable: true,
      description: 'When the Ready condition last changed (RFC 3339).',
      resolve: (r) => r.readiness.lastTransitionTime,
    }),
    suspended: t.exposeBoolean('suspended', { description: 'True when reconciliation is suspended (spec.suspend).' }),
    revision: t.exposeString('revision', {
      nullable: true,
      description:
        'What is applied now. Kustomization: status.lastAppliedRevision (e.g. "main@sha1:…"). HelmRelease: the deployed chart version.',
    }),
    lastAttemptedRevision: t.exposeString('lastAttemptedRevision', {
      nullable: true,
      description: 'The revision the controller last tried to apply; differs from revision while an apply is failing.',
    }),
    version: t.exposeString('version', {
      nullable: true,
      description:
        'A short answer to "which version runs here". HelmRelease: the deployed chart version (status.history[0].chartVersion, falling back to the last attempted revision). Kustomization: its applied revision.',
    }),
    workloads: t.loadableList({
      type: WorkloadType,
      nullable: { list: true, items: false },
      description:
        'Deployments, StatefulSets and DaemonSets this release manages: from status.inventory when Flux recorded one, else those carrying the Flux name/namespace labels in the target namespace. Null, with an error here, when they cannot be read (e.g. workloads in that namespace are forbidden); the release itself still resolves.',
      load: (releases: Release[], context) =>
        Promise.all(releases.map((r) => context.pipelines.workloadsOf(r).catch((error: Error) => error))),
      loaderOptions: { cacheKeyFn: (release) => release.id },
      resolve: (release) => release,
    }),
  }),
});

export const SourceReferenceType = builder
  .objectRef<{ kind: string; name: string; namespace: string }>('SourceReference')
  .implement({
    description: 'The Flux source (GitRepository, OCIRepository, Bucket) a Kustomization applies from.',
    interfaces: [NodeInterface],
    fields: (t) => ({
      id: t.id({ description: 'Stable id: "<kind>:<namespace>/<name>".', resolve: (s) => `${s.kind}:${s.namespace}/${s.name}` }),
      kind: t.exposeString('kind', { description: 'The source kind.' }),
      name: t.exposeString('name', { description: 'The source name.' }),
      namespace: t.exposeString('namespace', { description: 'The source namespace (the Kustomization\'s own when not set).' }),
    }),
  });

export const KustomizationType = builder.objectRef<KustomizationRelease>('Kustomization').implement({
  description: 'A Flux Kustomization (kustomize.toolkit.fluxcd.io): a path in a source, applied to the cluster.',
  interfaces: [NodeInterface, ReleaseInterface],
  isTypeOf: (value) => (value as Release).kind === 'Kustomization',
  fields: (t) => ({
    path: t.exposeString('path', { nullable: true, description: 'The path in the source that is applied (spec.path).' }),
    targetNamespace: t.exposeString('targetNamespace', {
      nullable: true,
      description: 'The namespace every applied object is put in (spec.targetNamespace), if set.',
    }),
    sourceRef: t.field({
      type: SourceReferenceType,
      nullable: true,
      description: 'The source applied from (spec.sourceRef).',
      resolve: (k) => k.sourceRef,
    }),
  }),
});

export const HelmReleaseType = builder.objectRef<HelmReleaseRelease>('HelmRelease').implement({
  description:
    'A Flux HelmRelease (helm.toolkit.fluxcd.io). Its values are never exposed: they can hold credentials.',
  interfaces: [NodeInterface, ReleaseInterface],
  isTypeOf: (value) => (value as Release).kind === 'HelmRelease',
  fields: (t) => ({
    chartName: t.exposeString('chartName', { nullable: true, description: 'The chart deployed (or asked for).' }),
    chartVersion: t.exposeString('chartVersion', {
      nullable: true,
      description: 'The deployed chart version: status.history[0].chartVersion, else the last attempted revision.',
    }),
    desiredChartVersion: t.exposeString('desiredChartVersion', {
      nullable: true,
      description: 'The version spec.chart.spec.version asks for; may be a semver range such as "6.x".',
    }),
    appVersion: t.exposeString('appVersion', { nullable: true, description: 'The deployed chart\'s appVersion.' }),
    helmRevision: t.exposeInt('helmRevision', {
      nullable: true,
      description: 'Helm\'s release revision number of the deployed release.',
    }),
    releaseName: t.exposeString('releaseName', { nullable: true, description: 'The Helm release name.' }),
  }),
});
