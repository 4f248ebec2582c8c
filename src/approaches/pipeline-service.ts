import type { ClusterLoaders } from '../cluster/loaders.js';
import type { KubeObject } from '../cluster/kube-object.js';
import { matchesRequirements } from '../cluster/label-selector.js';
import { PipelineApiError, describeObject, pipelineNotFound } from '../errors.js';
import { RELEASE_KINDS, type Approach, type Pipeline, type ReleaseRef, type Stage } from '../model/pipeline.js';
import type { Release } from '../model/release.js';
import { WORKLOAD_KINDS, type Workload, type WorkloadKind } from '../model/workload.js';
import { APPROACH_DEFINITIONS, allApproaches } from './registry.js';
import { decodeWorkload } from './deployments.js';
import { decodeRelease } from './flux-releases.js';
import { isReleaseKind } from './release-refs.js';
import { pipelineShapeOf } from './pipeline-shape.js';
import { decodePipelineStage } from './stage.js';

/**
 * Answers pipeline questions for one request, over that request's loaders. Everything
 * that can fail for one part (a stage, a ref, an approach) fails as an Error in that
 * part's place, so the rest of the answer still resolves.
 */
export class PipelineService {
  /** Public so insights (src/approaches/insights.ts) read through the same per-request loaders. */
  constructor(readonly loaders: ClusterLoaders) {}

  async get(approach: Approach, namespace: string, name: string): Promise<Pipeline> {
    const definition = APPROACH_DEFINITIONS[approach];
    const objects = await this.loaders.list(definition.definitionKind, namespace);
    const object = objects.find((o) => o.metadata.name === name);
    if (!object) throw pipelineNotFound(approach, namespace, name);
    if (!definition.accepts(object)) {
      const actually =
        definition.definitionKind === 'Pipeline'
          ? `is a ${pipelineShapeOf(object)} pipeline, not ${approach}`
          : 'has no data.pipelines key, so it does not define a pipeline';
      throw new PipelineApiError(
        'PIPELINE_NOT_FOUND',
        `No ${approach} pipeline named "${name}" in namespace "${namespace}": ${describeObject({ kind: object.kind, namespace, name })} ${actually}.`,
        { kind: object.kind, namespace, name },
      );
    }
    return definition.decode(object);
  }

  /** Every pipeline of the approach (or all), valid ones as pipelines and broken ones as errors. */
  async list(approach: Approach | null, namespace: string | null): Promise<(Pipeline | Error)[]> {
    const definitions = approach ? [APPROACH_DEFINITIONS[approach]] : allApproaches();
    const listed = await Promise.all(
      definitions.map(async (definition) => {
        try {
          return { definition, objects: await this.loaders.list(definition.definitionKind, namespace), error: null };
        } catch (error) {
          return { definition, objects: [], error: error as Error };
        }
      }),
    );
    // HYBRID, CRD and STAGE all read Pipelines: when that read fails, it is one failure
    // (one null, one error), not one phantom broken pipeline per approach.
    const reported = new Set<string>();
    return listed.flatMap((result): (Pipeline | Error)[] => {
      const kind = result.definition.definitionKind;
      if (result.error) {
        if (reported.has(kind)) return [];
        reported.add(kind);
        return [result.error];
      }
      return result.objects
        .filter((o) => result.definition.accepts(o))
        .sort(byNamespaceAndName)
        .map((o) => {
          try {
            return result.definition.decode(o);
          } catch (error) {
            return error as Error;
          }
        });
    });
  }

  async releasesOf(stage: Stage): Promise<(Release | Error)[]> {
    const membership = stage.membership;
    switch (membership.type) {
      case 'label':
        return this.labelledReleases(stage.namespace, membership.key, membership.value);
      case 'refs':
        return this.resolveRefs(membership.refs);
      case 'stage-object': {
        const stages = await this.loaders.list('PipelineStage', membership.namespace);
        const object = stages.find((s) => s.metadata.name === membership.name);
        if (!object) {
          throw new PipelineApiError(
            'STAGE_NOT_FOUND',
            `Stage "${stage.name}" points at PipelineStage ${membership.namespace}/${membership.name}, which does not exist.`,
            { kind: 'PipelineStage', namespace: membership.namespace, name: membership.name },
          );
        }
        return this.resolveRefs(decodePipelineStage(object));
      }
    }
  }

  async workloadsOf(release: Release): Promise<Workload[]> {
    const selection = release.workloadSelection;
    if (selection.type === 'labels') {
      const requirements = Object.entries(selection.labels).map(([key, value]) => ({ key, op: 'in' as const, values: [value] }));
      const perKind = await Promise.all(WORKLOAD_KINDS.map((kind) => this.loaders.list(kind, selection.namespace)));
      return perKind.flatMap((objects) => objects.filter((d) => matchesRequirements(d.metadata.labels, requirements)).sort(byNamespaceAndName).map(decodeWorkload));
    }
    const wanted = [...new Set(selection.workloads.map((w) => `${w.kind} ${w.namespace}`))].map((key) => key.split(' ') as [WorkloadKind, string]);
    const lists = new Map(await Promise.all(wanted.map(async ([kind, ns]) => [`${kind} ${ns}`, await this.loaders.list(kind, ns)] as const)));
    // An inventory entry whose workload is gone is skipped: the release's own Ready condition reports drift.
    return WORKLOAD_KINDS.flatMap((kind) =>
      selection.workloads
        .filter((w) => w.kind === kind)
        .flatMap(({ namespace, name }) => {
          const found = lists.get(`${kind} ${namespace}`)?.find((d) => d.metadata.name === name);
          return found ? [found] : [];
        })
        .sort(byNamespaceAndName)
        .map(decodeWorkload),
    );
  }

  /** HYBRID/CM: releases carrying the pipeline label in the stage namespace, and only there. */
  private async labelledReleases(namespace: string, key: string, value: string): Promise<Release[]> {
    const requirement = [{ key, op: 'in' as const, values: [value] }];
    const perKind = await Promise.all(
      RELEASE_KINDS.map(async (kind) => {
        try {
          return await this.loaders.list(kind, namespace);
        } catch (error) {
          // A cluster without helm-controller has no HelmReleases to opt in: that is not a failure.
          if (error instanceof PipelineApiError && error.code === 'CRD_NOT_INSTALLED') return [];
          throw error;
        }
      }),
    );
    return perKind
      .flatMap((objects) => objects.filter((o) => matchesRequirements(o.metadata.labels, requirement)).sort(byNamespaceAndName))
      .map(decodeRelease);
  }

  private resolveRefs(refs: ReleaseRef[]): Promise<(Release | Error)[]> {
    return Promise.all(
      refs.map(async (ref): Promise<Release | Error> => {
        const object = { kind: ref.kind, namespace: ref.namespace, name: ref.name };
        if (!isReleaseKind(ref.kind)) {
          return new PipelineApiError(
            'UNSUPPORTED_RELEASE_KIND',
            `${describeObject(object)}: kind "${ref.kind}" is not supported; releaseRefs may name ${RELEASE_KINDS.join(' or ')}.`,
            object,
          );
        }
        try {
          const found = (await this.loaders.list(ref.kind, ref.namespace)).find((o) => o.metadata.name === ref.name);
          return found
            ? decodeRelease(found)
            : new PipelineApiError('RELEASE_NOT_FOUND', `${describeObject(object)} is referenced by the pipeline but does not exist.`, object);
        } catch (error) {
          return error as Error;
        }
      }),
    );
  }
}

function byNamespaceAndName(a: KubeObject, b: KubeObject): number {
  return (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name);
}
