import { byNamespaceAndName } from '../cluster/kube-object.js';
import { matchesRequirements } from '../cluster/label-selector.js';
import { PipelineApiError, describeObject } from '../errors.js';
import { stageDrift, type ComponentDrift } from '../model/drift.js';
import {
  pipelineHealth,
  releaseHealth,
  stageHealth,
  type HealthSubject,
  type HealthVerdict,
  type StageReleaseHealth,
} from '../model/health.js';
import { imageMatches, type ImageRef } from '../model/image-ref.js';
import { parseNodeId } from '../model/node-id.js';
import { PIPELINE_LABEL, RELEASE_KINDS, type Pipeline, type Stage, type StageMembership } from '../model/pipeline.js';
import type { Release } from '../model/release.js';
import { componentsOf, type ComponentVersion, type ObjectKey } from '../model/versions.js';
import type { ContainerImage, Workload } from '../model/workload.js';
import { decodeWorkload } from './deployments.js';
import { decodeRelease } from './flux-releases.js';
import type { PipelineService } from './pipeline-service.js';

/**
 * Answers a release manager asks every day, computed from what the PipelineService
 * reads: health, versions, drift, where something runs, why a release is in or out.
 * One per request (see insightsFor), so a stage read for its health is not read again
 * for its drift. The rules themselves are pure functions in src/model.
 */
export class PipelineInsights {
  private readonly stageReleases = new Map<string, Promise<(Release | Error)[] | Error>>();
  private readonly workloads = new Map<string, Promise<Workload[] | Error>>();

  constructor(readonly pipelines: PipelineService) {}

  releasesOf(stage: Stage): Promise<(Release | Error)[] | Error> {
    let found = this.stageReleases.get(stage.id);
    // Stryker disable next-line ConditionalExpression: equivalent, reading again gives the same answer (the loaders and decode cache memoise); this saves only work
    if (!found) {
      found = this.pipelines.releasesOf(stage).catch((error: Error) => error);
      this.stageReleases.set(stage.id, found);
    }
    return found;
  }

  workloadsOf(release: Release): Promise<Workload[] | Error> {
    let found = this.workloads.get(release.id);
    // Stryker disable next-line ConditionalExpression: equivalent, reading again gives the same answer (the loaders and decode cache memoise); this saves only work
    if (!found) {
      found = this.pipelines.workloadsOf(release).catch((error: Error) => error);
      this.workloads.set(release.id, found);
    }
    return found;
  }

  // ---- health ----

  async releaseHealth(release: Release): Promise<HealthVerdict> {
    const workloads = await this.workloadsOf(release);
    return releaseHealth({
      subject: subjectOf(release),
      suspended: release.suspended,
      ready: release.readiness,
      reconciling: release.reconciling,
      stalled: release.stalled,
      stale: release.stale,
      workloads: workloads instanceof Error ? null : workloads.map((w) => ({ ...w, subject: subjectOf(w) })),
    });
  }

  async stageHealth(stage: Stage): Promise<HealthVerdict> {
    const releases = await this.releasesOf(stage);
    const subject: HealthSubject = { kind: 'Stage', namespace: stage.namespace, name: stage.name };
    if (releases instanceof Error) return stageHealth(subject, { unreadable: shownMessage(releases) });
    const verdicts = await Promise.all(
      releases.map((r): Promise<StageReleaseHealth> => (r instanceof Error ? Promise.resolve({ unreadable: shownMessage(r) }) : this.releaseHealth(r))),
    );
    return stageHealth(subject, verdicts);
  }

  async pipelineHealth(pipeline: Pipeline): Promise<{ verdict: HealthVerdict; firstUnhealthy: Stage | null }> {
    const stages = await Promise.all(
      pipeline.stages.map(async (stage) => ({ stage: { kind: 'Stage', namespace: stage.namespace, name: stage.name }, verdict: await this.stageHealth(stage) })),
    );
    const { verdict, firstUnhealthy } = pipelineHealth(pipeline.name, stages);
    return { verdict, firstUnhealthy: firstUnhealthy === null ? null : pipeline.stages[firstUnhealthy]! };
  }

  // ---- versions and drift ----

  /**
   * Every component the stage runs, with its version. What could not be read is an Error
   * in the list (the release, or the workloads of one release), so a client sees the
   * list is incomplete and why.
   */
  async stageVersions(stage: Stage): Promise<(ComponentVersion | Error)[]> {
    const releases = await this.releasesOf(stage);
    if (releases instanceof Error) throw releases;
    const perRelease = await Promise.all(
      releases.map(async (release): Promise<(ComponentVersion | Error)[]> => {
        if (release instanceof Error) return [release];
        const workloads = await this.workloadsOf(release);
        if (workloads instanceof Error) return [...componentsOf(release, null), workloads];
        return componentsOf(release, workloads);
      }),
    );
    return perRelease.flat();
  }

  /**
   * Drift of each pair of adjacent stages, upstream first. A pair with a stage whose
   * versions are incomplete cannot be compared honestly: it is one Error in the list
   * (saying which stage and why) instead of a made-up "missing" component.
   */
  async pipelineDrift(pipeline: Pipeline): Promise<(ComponentDrift<Stage> | Error)[]> {
    const complete = await Promise.all(pipeline.stages.map((stage) => this.completeComponents(stage)));
    const drift: (ComponentDrift<Stage> | Error)[] = [];
    for (let i = 1; i < pipeline.stages.length; i++) {
      const up = complete[i - 1]!;
      const down = complete[i]!;
      if (up instanceof Error || down instanceof Error) {
        drift.push((up instanceof Error ? up : down) as Error);
        continue;
      }
      drift.push(...stageDrift({ stage: pipeline.stages[i - 1]!, components: up }, { stage: pipeline.stages[i]!, components: down }));
    }
    return drift;
  }

  /** What this stage runs at a lower version than the stage before it (nothing for the first stage). */
  async stageBehind(stage: Stage): Promise<ComponentDrift<Stage>[]> {
    const pipeline = await this.pipelineOf(stage);
    const index = pipeline.stages.findIndex((s) => s.id === stage.id);
    if (index <= 0) return [];
    const [up, down] = await Promise.all([this.completeComponents(pipeline.stages[index - 1]!), this.completeComponents(pipeline.stages[index]!)]);
    if (up instanceof Error) throw up;
    if (down instanceof Error) throw down;
    return stageDrift({ stage: pipeline.stages[index - 1]!, components: up }, { stage: pipeline.stages[index]!, components: down }).filter(
      (d) => d.status === 'BEHIND',
    );
  }

  private async completeComponents(stage: Stage): Promise<ComponentVersion[] | Error> {
    let versions: (ComponentVersion | Error)[];
    try {
      versions = await this.stageVersions(stage);
    } catch (error) {
      return incomparable(stage, error as Error);
    }
    const failed = versions.find((v): v is Error => v instanceof Error);
    return failed ? incomparable(stage, failed) : (versions as ComponentVersion[]);
  }

  private pipelineOf(stage: Stage): Promise<Pipeline> {
    const id = parseNodeId(stage.id);
    // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: equivalent, a Stage's id is always a stage id (stageId), so this never throws
    if (!id || id.type !== 'Stage') throw new Error(`not a stage id: ${stage.id}`);
    return this.pipelines.get(id.approach, id.namespace, id.name);
  }

  // ---- where it runs ----

  /**
   * Every placement of an image repository (any tag or digest, unless the query names one)
   * or of a chart, in every pipeline of every approach and namespace. A pipeline, stage or
   * release that could not be read is an Error in its place: the answer may be incomplete,
   * and says so.
   */
  async whereDeployed(query: { image: ImageRef | null; chart: string | null }): Promise<(Placement | Error)[]> {
    const pipelines = await this.pipelines.list(null, null);
    const perPipeline = await Promise.all(
      pipelines.map(async (pipeline): Promise<(Placement | Error)[]> => {
        if (pipeline instanceof Error) return [pipeline];
        const perStage = await Promise.all(pipeline.stages.map((stage) => this.placementsIn(pipeline, stage, query)));
        return perStage.flat();
      }),
    );
    return perPipeline.flat();
  }

  private async placementsIn(pipeline: Pipeline, stage: Stage, query: { image: ImageRef | null; chart: string | null }): Promise<(Placement | Error)[]> {
    const releases = await this.releasesOf(stage);
    if (releases instanceof Error) return [releases];
    const perRelease = await Promise.all(
      releases.map(async (release): Promise<(Placement | Error)[]> => {
        if (release instanceof Error) return [release];
        const found: (Placement | Error)[] = [];
        const base = { pipeline, stage, release };
        if (query.chart !== null && release.kind === 'HelmRelease' && release.chartName === query.chart) {
          found.push({ ...base, workload: null, image: null, version: release.chartVersion });
        }
        if (query.image !== null) {
          const workloads = await this.workloadsOf(release);
          if (workloads instanceof Error) return [...found, workloads];
          for (const workload of workloads) {
            for (const image of workload.images) {
              if (imageMatches(image, query.image)) found.push({ ...base, workload, image, version: image.tag ?? image.digest });
            }
          }
        }
        return found;
      }),
    );
    return perRelease.flat();
  }

  // ---- diagnostics ----

  /**
   * Why releases are in or out of this pipeline, as coded findings: the errors that
   * Stage.releases reports at their paths, listed, plus what is not an error (a
   * suspended release, a labelled release the pipeline ignores, a stage namespace that
   * does not exist). A check that could not be made is an Error in the list.
   */
  async diagnostics(pipeline: Pipeline): Promise<(Diagnostic | Error)[]> {
    const perStage = await Promise.all(pipeline.stages.map((stage) => this.stageDiagnostics(stage)));
    const [outside, namespaces] = await Promise.all([this.outsideReleases(pipeline), this.missingNamespaces(pipeline)]);
    return [...namespaces, ...perStage.flat(), ...outside];
  }

  private async stageDiagnostics(stage: Stage): Promise<(Diagnostic | Error)[]> {
    const releases = await this.releasesOf(stage);
    if (releases instanceof Error) return [fromError(releases, stage)];
    return releases.flatMap((release): (Diagnostic | Error)[] => {
      if (release instanceof Error) return [fromError(release, stage)];
      if (!release.suspended) return [];
      return [
        {
          code: 'RELEASE_SUSPENDED',
          severity: 'WARNING',
          message: `${describeObject(release)} in stage ${stage.name} is suspended: Flux does not reconcile it, so it will not follow promotions.`,
          object: { kind: release.kind, namespace: release.namespace, name: release.name },
          stage,
        },
      ];
    });
  }

  /** HYBRID and CM only: releases carrying this pipeline's label outside every stage namespace. */
  private async outsideReleases(pipeline: Pipeline): Promise<(Diagnostic | Error)[]> {
    const labelled = pipeline.stages.map((s) => s.membership).find((m): m is LabelMembership => m.type === 'label');
    if (!labelled) return [];
    const requirement = [{ key: labelled.key, op: 'in' as const, values: [labelled.value] }];
    const stageNamespaces = new Set(pipeline.stages.map((s) => s.namespace));
    const perKind = await Promise.all(
      RELEASE_KINDS.map(async (kind): Promise<(Diagnostic | Error)[]> => {
        let objects;
        try {
          objects = await this.pipelines.loaders.list(kind, null);
        } catch (error) {
          if (error instanceof PipelineApiError && error.code === 'CRD_NOT_INSTALLED') return [];
          return [error as Error];
        }
        return objects
          .filter((o) => matchesRequirements(o.metadata.labels, requirement) && !stageNamespaces.has(o.metadata.namespace ?? ''))
          .sort(byNamespaceAndName)
          .map((o): Diagnostic => ({
            code: 'RELEASE_OUTSIDE_STAGES',
            severity: 'INFO',
            message: `${describeObject({ kind, namespace: o.metadata.namespace, name: o.metadata.name })} carries the label ${PIPELINE_LABEL}=${labelled.value} but is in no stage namespace (${[...stageNamespaces].join(', ')}), so the pipeline ignores it.`,
            object: { kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name },
            stage: null,
          }));
      }),
    );
    return perKind.flat();
  }

  /**
   * Stage namespaces that do not exist. A source that lists no Namespace at all (a
   * snapshot taken without them) cannot tell, so it reports nothing rather than
   * every stage: a real cluster always has some.
   */
  private async missingNamespaces(pipeline: Pipeline): Promise<(Diagnostic | Error)[]> {
    let namespaces;
    try {
      namespaces = await this.pipelines.loaders.list('Namespace', null);
    } catch (error) {
      return [error as Error];
    }
    if (namespaces.length === 0) return [];
    const existing = new Set(namespaces.map((n) => n.metadata.name));
    return pipeline.stages
      .filter((s) => !existing.has(s.namespace))
      .map((stage): Diagnostic => ({
        code: 'NAMESPACE_NOT_FOUND',
        severity: 'ERROR',
        message: `Stage ${stage.name} deploys to namespace "${stage.namespace}", which does not exist.`,
        object: { kind: 'Namespace', namespace: '', name: stage.namespace },
        stage,
      }));
  }

  // ---- refetch by id ----

  /** The object an id names, or null when there is none (or the id is not one of ours). */
  async node(id: string): Promise<NodeValue | null> {
    const parsed = parseNodeId(id);
    if (!parsed) return null;
    const orNull = async <T>(work: () => Promise<T | null>): Promise<T | null> => {
      try {
        return await work();
      } catch (error) {
        if (error instanceof PipelineApiError && (error.code === 'PIPELINE_NOT_FOUND' || error.code === 'INVALID_PIPELINE_DEFINITION')) return null;
        throw error;
      }
    };
    switch (parsed.type) {
      case 'Pipeline':
        return orNull(async () => ({ type: 'Pipeline', value: await this.pipelines.get(parsed.approach, parsed.namespace, parsed.name) }));
      case 'Stage':
        return orNull(async () => {
          const pipeline = await this.pipelines.get(parsed.approach, parsed.namespace, parsed.name);
          const stage = pipeline.stages.find((s) => s.name === parsed.stage);
          return stage ? { type: 'Stage', value: stage } : null;
        });
      case 'Release': {
        const found = (await this.pipelines.loaders.list(parsed.kind, parsed.namespace)).find((o) => o.metadata.name === parsed.name);
        return found ? { type: parsed.kind, value: decodeRelease(found) } : null;
      }
      case 'Workload':
      case 'Image': {
        const found = (await this.pipelines.loaders.list(parsed.kind, parsed.namespace)).find((o) => o.metadata.name === parsed.name);
        if (!found) return null;
        const workload = decodeWorkload(found);
        if (parsed.type === 'Workload') return { type: 'Workload', value: workload };
        const image = workload.images.find((i) => i.container === parsed.container);
        return image ? { type: 'Image', value: image } : null;
      }
      case 'DefinitionReference': {
        const found = (await this.pipelines.loaders.list(parsed.kind, parsed.namespace)).find((o) => o.metadata.name === parsed.name);
        return found ? { type: 'DefinitionReference', value: { kind: parsed.kind, namespace: parsed.namespace, name: parsed.name } } : null;
      }
      case 'SourceReference':
        // Sources are not read (nor granted by RBAC): the reference is all the id says.
        return { type: 'SourceReference', value: { kind: parsed.kind, namespace: parsed.namespace, name: parsed.name } };
    }
  }
}

export interface Placement {
  pipeline: Pipeline;
  stage: Stage;
  release: Release;
  /** null for a chart placement. */
  workload: Workload | null;
  image: ContainerImage | null;
  /** The chart version, or the image's tag (its digest when untagged). */
  version: string | null;
}

export const DIAGNOSTIC_CODES = [
  'RELEASE_OUTSIDE_STAGES',
  'RELEASE_NOT_FOUND',
  'STAGE_NOT_FOUND',
  'UNSUPPORTED_RELEASE_KIND',
  'RELEASE_SUSPENDED',
  'NAMESPACE_NOT_FOUND',
  'STAGE_UNREADABLE',
  'RELEASE_UNREADABLE',
] as const;
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export interface Diagnostic {
  code: DiagnosticCode;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  message: string;
  object: ObjectKey | null;
  stage: Stage | null;
}

export type NodeValue =
  | { type: 'Pipeline'; value: Pipeline }
  | { type: 'Stage'; value: Stage }
  | { type: 'Kustomization' | 'HelmRelease'; value: Release }
  | { type: 'Workload'; value: Workload }
  | { type: 'Image'; value: ContainerImage }
  | { type: 'DefinitionReference' | 'SourceReference'; value: ObjectKey };

/** An error Stage.releases reports at a path, as a finding in the list. */
function fromError(error: Error, stage: Stage): Diagnostic {
  const api = error instanceof PipelineApiError ? error : null;
  const known = api && (api.code === 'RELEASE_NOT_FOUND' || api.code === 'STAGE_NOT_FOUND' || api.code === 'UNSUPPORTED_RELEASE_KIND') ? api.code : null;
  const object = api?.object ? { kind: api.object.kind, namespace: api.object.namespace ?? '', name: api.object.name ?? '' } : null;
  return {
    code: known ?? (object && RELEASE_KINDS.some((k) => k === object.kind) && object.name ? 'RELEASE_UNREADABLE' : 'STAGE_UNREADABLE'),
    severity: 'ERROR',
    message: api ? `${error.message}${known ? '' : ` (${api.code})`}` : `Stage ${stage.name} could not be read.`,
    object,
    stage,
  };
}

/** The cause, keeping its code, with the stage that could not be compared named first. */
function incomparable(stage: Stage, cause: Error): Error {
  if (!(cause instanceof PipelineApiError)) return cause;
  return new PipelineApiError(
    cause.code,
    `Stage ${stage.name} cannot be compared: what it runs could not be read completely. ${cause.message}`,
    cause.object,
    { cause },
  );
}

/**
 * What a health reason may say of an error: our coded messages as they are, an unexpected
 * error only as GraphQL masks it (its own text may name hosts or internals).
 */
const shownMessage = (error: Error) => (error instanceof PipelineApiError ? error.message : 'Unexpected error.');

type LabelMembership = Extract<StageMembership, { type: 'label' }>;

const subjectOf = (o: { kind: string; namespace: string; name: string }): HealthSubject => ({ kind: o.kind, namespace: o.namespace, name: o.name });

const perService = new WeakMap<PipelineService, PipelineInsights>();

/** The insights of one request: made once per PipelineService, which is made once per request. */
export function insightsFor(pipelines: PipelineService): PipelineInsights {
  let insights = perService.get(pipelines);
  // Stryker disable next-line ConditionalExpression: equivalent, a second PipelineInsights reads through the same loaders; it only loses the per-request memo
  if (!insights) {
    insights = new PipelineInsights(pipelines);
    perService.set(pipelines, insights);
  }
  return insights;
}
