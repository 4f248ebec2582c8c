import { insightsFor, type Diagnostic, type Placement } from '../../approaches/insights.js';
import type { ComponentDrift } from '../../model/drift.js';
import type { Pipeline, Stage } from '../../model/pipeline.js';
import type { Release } from '../../model/release.js';
import type { ComponentVersion } from '../../model/versions.js';
import { builder } from '../builder.js';
import { withItemErrors } from '../partial-results.js';
import { HealthEnum, HealthReasonType, ObjectReferenceType } from './health.js';
import { ImageType } from './image.js';
import { PipelineType } from './pipeline.js';
import { ReleaseInterface } from './release.js';
import { StageType } from './stage.js';
import { WorkloadType } from './workload.js';

const ComponentTypeEnum = builder.enumType('ComponentType', {
  description: 'What kind of component a version is of.',
  values: {
    CHART: { description: 'A Helm chart, deployed by a HelmRelease; matched across stages by chart name.' },
    IMAGE: { description: 'A container image of a workload; matched across stages by workload kind, workload name and container name.' },
  } as const,
});

const SinceSourceEnum = builder.enumType('SinceSource', {
  description: 'Where a component\'s "since" comes from, and so how exact it is.',
  values: {
    HELM_HISTORY: {
      description:
        'Helm history as Flux records it (status.history). For a chart: when the newest unbroken run of Helm revisions with this chart version began (exact). For an image of a HelmRelease: when the current Helm revision was deployed (the image may have run longer).',
    },
    READY_TRANSITION: {
      description:
        'For an image of a Kustomization, an approximation: when its Ready condition last turned True, i.e. when its applied revision finished applying. A new revision that leaves the image alone moves it too, so the image has run at least since then, possibly longer.',
    },
  } as const,
});

export const ComponentVersionType = builder.objectRef<ComponentVersion>('ComponentVersion').implement({
  description: 'One component a stage runs, with its version: a HelmRelease\'s chart, or a workload container\'s image.',
  fields: (t) => ({
    key: t.exposeString('key', {
      description: 'What matches this component across stages: "chart:<chart>" or "image:<WorkloadKind>/<workload>/<container>".',
    }),
    type: t.field({ type: ComponentTypeEnum, description: 'Chart or image.', resolve: (c) => c.type }),
    name: t.exposeString('name', { description: 'The chart name, or "<WorkloadKind>/<workload>/<container>".' }),
    version: t.exposeString('version', {
      nullable: true,
      description: 'The deployed chart version; for an image its tag, its digest when untagged, "tag@digest" when it has both, null when it has neither (it runs whatever "latest" was).',
    }),
    release: t.field({ type: ObjectReferenceType, description: 'The Flux release that deploys it.', resolve: (c) => c.release }),
    workload: t.field({ type: ObjectReferenceType, nullable: true, description: 'The workload, for an image.', resolve: (c) => c.workload }),
    container: t.exposeString('container', { nullable: true, description: 'The container name, for an image.' }),
    repository: t.exposeString('repository', { nullable: true, description: 'The image repository, for an image.' }),
    tag: t.exposeString('tag', { nullable: true, description: 'The image tag, if any.' }),
    digest: t.exposeString('digest', { nullable: true, description: 'The image digest, if pinned.' }),
    since: t.exposeString('since', {
      nullable: true,
      description: 'Since when it has run this version (RFC 3339), where Flux records it; sinceSource says how exact it is. Null when Flux records nothing usable.',
    }),
    sinceSource: t.field({ type: SinceSourceEnum, nullable: true, description: 'Where since comes from.', resolve: (c) => c.sinceSource }),
  }),
});

const DriftStatusEnum = builder.enumType('DriftStatus', {
  description:
    'How a downstream stage\'s version of a component relates to the upstream stage\'s. BEHIND and AHEAD only when both versions are semver (a leading "v" allowed); a digest, a non-semver tag or an untagged image can only be DIFFERENT; equal digests are the same image whatever the tags.',
  values: {
    BEHIND: { description: 'Downstream runs a lower semver version: a promotion is pending.' },
    AHEAD: { description: 'Downstream runs a higher semver version than upstream.' },
    DIFFERENT: { description: 'The versions differ but cannot be ordered (digests, non-semver tags, several versions of one component).' },
    MISSING_DOWNSTREAM: { description: 'Upstream runs the component; downstream does not.' },
    MISSING_UPSTREAM: { description: 'Downstream runs the component; upstream does not.' },
  } as const,
});

export const ComponentDriftType = builder.objectRef<ComponentDrift<Stage>>('ComponentDrift').implement({
  description: 'A component whose version differs between two adjacent stages.',
  fields: (t) => ({
    upstream: t.field({ type: StageType, description: 'The earlier stage.', resolve: (d) => d.upstream }),
    downstream: t.field({ type: StageType, description: 'The stage right after it.', resolve: (d) => d.downstream }),
    key: t.exposeString('key', { description: 'The component key (see ComponentVersion.key).' }),
    type: t.field({ type: ComponentTypeEnum, description: 'Chart or image.', resolve: (d) => d.type }),
    name: t.exposeString('name', { description: 'The component name (see ComponentVersion.name).' }),
    upstreamVersion: t.exposeString('upstreamVersion', { nullable: true, description: 'The version upstream runs (several, comma-separated, when it runs several).' }),
    downstreamVersion: t.exposeString('downstreamVersion', { nullable: true, description: 'The version downstream runs.' }),
    status: t.field({ type: DriftStatusEnum, description: 'Behind, ahead, different, or missing on one side.', resolve: (d) => d.status }),
  }),
});

export const PlacementType = builder.objectRef<Placement>('Placement').implement({
  description: 'One place a chart or an image runs: the pipeline, stage and release, and for an image the workload and container.',
  fields: (t) => ({
    pipeline: t.field({ type: PipelineType, description: 'The pipeline.', resolve: (p) => p.pipeline }),
    stage: t.field({ type: StageType, description: 'The stage.', resolve: (p) => p.stage }),
    release: t.field({ type: ReleaseInterface, description: 'The release deploying it.', resolve: (p) => p.release }),
    workload: t.field({ type: WorkloadType, nullable: true, description: 'The workload running the image; null for a chart.', resolve: (p) => p.workload }),
    image: t.field({ type: ImageType, nullable: true, description: 'The container and its image; null for a chart.', resolve: (p) => p.image }),
    version: t.exposeString('version', { nullable: true, description: 'The chart version, or the image tag (its digest when untagged).' }),
  }),
});

const DiagnosticCodeEnum = builder.enumType('DiagnosticCode', {
  description: 'What a diagnostic is about.',
  values: {
    RELEASE_OUTSIDE_STAGES: { description: 'A release carries the pipeline label but lives in no stage namespace: ignored on purpose (HYBRID, CM).' },
    RELEASE_NOT_FOUND: { description: 'A releaseRef names a release that does not exist (the RELEASE_NOT_FOUND error at Stage.releases).' },
    STAGE_NOT_FOUND: { description: 'An environment points at a PipelineStage that does not exist (the STAGE_NOT_FOUND error at Stage.releases).' },
    UNSUPPORTED_RELEASE_KIND: { description: 'A releaseRef kind other than Kustomization or HelmRelease.' },
    RELEASE_SUSPENDED: { description: 'A release of a stage is suspended: it will not follow promotions.' },
    NAMESPACE_NOT_FOUND: { description: 'A stage namespace does not exist.' },
    STAGE_UNREADABLE: { description: 'A stage could not be read for another reason (e.g. FORBIDDEN); the message carries the error code.' },
    RELEASE_UNREADABLE: { description: 'A release could not be read for another reason; the message carries the error code.' },
  } as const,
});

const SeverityEnum = builder.enumType('DiagnosticSeverity', {
  description: 'How much a diagnostic matters.',
  values: {
    ERROR: { description: 'Part of the pipeline cannot be shown or cannot deploy.' },
    WARNING: { description: 'The pipeline works, but not as its owner may expect.' },
    INFO: { description: 'Intended behaviour, made visible.' },
  } as const,
});

export const DiagnosticType = builder.objectRef<Diagnostic>('Diagnostic').implement({
  description: 'A coded finding about why a release is, or is not, part of a pipeline.',
  fields: (t) => ({
    code: t.field({ type: DiagnosticCodeEnum, description: 'What it is about.', resolve: (d) => d.code }),
    severity: t.field({ type: SeverityEnum, description: 'How much it matters.', resolve: (d) => d.severity }),
    message: t.exposeString('message', { description: 'What was found, naming the object.' }),
    object: t.field({ type: ObjectReferenceType, nullable: true, description: 'The object it is about.', resolve: (d) => d.object }),
    stage: t.field({ type: StageType, nullable: true, description: 'The stage it concerns, if one.', resolve: (d) => d.stage }),
  }),
});

builder.interfaceFields(ReleaseInterface, (t) => ({
  health: t.field({
    type: HealthEnum,
    description: 'How healthy this release is, from its conditions, suspend and its workloads\' replica counts (see Health for the precedence).',
    resolve: async (r: Release, _args, context) => (await insightsFor(context.pipelines).releaseHealth(r)).health,
  }),
  healthReason: t.field({
    type: HealthReasonType,
    description: 'Why: the condition or workload that decided the health.',
    resolve: (r: Release, _args, context) => insightsFor(context.pipelines).releaseHealth(r),
  }),
}));

builder.objectFields(StageType, (t) => ({
  health: t.field({
    type: HealthEnum,
    description: 'The worst health of the stage\'s releases; UNKNOWN when the stage or one of its releases could not be read, or it has none.',
    resolve: async (s, _args, context) => (await insightsFor(context.pipelines).stageHealth(s)).health,
  }),
  healthReason: t.field({
    type: HealthReasonType,
    description: 'Why: the release (and its condition or workload) that decided the stage\'s health.',
    resolve: (s, _args, context) => insightsFor(context.pipelines).stageHealth(s),
  }),
  versions: t.field({
    type: [ComponentVersionType],
    nullable: { list: true, items: true },
    description:
      'Every component the stage runs with its version: each HelmRelease\'s chart and each container image of the releases\' workloads, in release order. A release, or a release\'s workloads, that could not be read is null here with the error at its index; the whole list is null, with an error, when the stage cannot be read.',
    resolve: async (s, _args, context) => withItemErrors(await insightsFor(context.pipelines).stageVersions(s)),
  }),
  behind: t.field({
    type: [ComponentDriftType],
    nullable: { list: true, items: false },
    description:
      'The components this stage runs at a lower semver version than the stage before it: what a promotion would bring. Empty for the first stage. Null, with an error, when either stage could not be read completely.',
    resolve: (s, _args, context) => insightsFor(context.pipelines).stageBehind(s),
  }),
}));

builder.objectFields(PipelineType, (t) => ({
  health: t.field({
    type: HealthEnum,
    description: 'The worst health of the pipeline\'s stages (see Health for the precedence).',
    resolve: async (p: Pipeline, _args, context) => (await insightsFor(context.pipelines).pipelineHealth(p)).verdict.health,
  }),
  healthReason: t.field({
    type: HealthReasonType,
    description: 'Why: the worst stage\'s reason (the first such stage in order on a tie).',
    resolve: async (p: Pipeline, _args, context) => (await insightsFor(context.pipelines).pipelineHealth(p)).verdict,
  }),
  firstUnhealthyStage: t.field({
    type: StageType,
    nullable: true,
    description: 'The first stage, in order, whose health is not HEALTHY (UNKNOWN and SUSPENDED count); null when all are healthy.',
    resolve: async (p: Pipeline, _args, context) => (await insightsFor(context.pipelines).pipelineHealth(p)).firstUnhealthy,
  }),
  drift: t.field({
    type: [ComponentDriftType],
    nullable: { list: false, items: true },
    description:
      'For each pair of adjacent stages, upstream first, the components whose versions differ. A pair that cannot be compared because a stage could not be read completely is one null with the error at its index.',
    resolve: async (p: Pipeline, _args, context) => withItemErrors(await insightsFor(context.pipelines).pipelineDrift(p)),
  }),
  diagnostics: t.field({
    type: [DiagnosticType],
    nullable: { list: false, items: true },
    description:
      'Why releases are in or out: the errors Stage.releases reports at their paths (dangling refs, missing PipelineStages, unsupported kinds, unreadable stages) as a list, plus a suspended release, a labelled release outside every stage namespace (HYBRID, CM), a stage namespace that does not exist. A check that could not be made (e.g. Namespaces forbidden) is a null with its error.',
    resolve: async (p: Pipeline, _args, context) => withItemErrors(await insightsFor(context.pipelines).diagnostics(p)),
  }),
}));
