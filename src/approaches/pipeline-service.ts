import type { ClusterLoaders } from '../cluster/loaders.js';
import { byNamespaceAndName, type KubeObject } from '../cluster/kube-object.js';
import type { Freshness } from '../cluster/reader.js';
import type { ResourceKind } from '../cluster/resources.js';
import { PipelineApiError, describeObject, pipelineNotFound } from '../errors.js';
import { RELEASE_KINDS, type Approach, type Pipeline, type ReleaseRef, type Stage } from '../model/pipeline.js';
import type { Release } from '../model/release.js';
import { WORKLOAD_KINDS, type Workload } from '../model/workload.js';
import type { ApproachDefinition } from './approach-definition.js';
import { APPROACH_DEFINITIONS, allApproaches } from './registry.js';
import { decodeWorkload } from './deployments.js';
import { decodeRelease } from './flux-releases.js';
import { isReleaseKind } from './release-refs.js';
import { pipelineShapeOf } from './pipeline-shape.js';
import { decodePipelineStage } from './stage.js';
import { decodeOnce } from './decode-cache.js';

/** How many definitions are decoded between two checks of the deadline (and yields to the event loop). */
const DECODE_SLICE = 200;

// The `what` keys only have to differ between decodings of the same object, and no object is
// decoded more than one of these ways (by kind), so any other distinct names answer the same.
// Stryker disable next-line StringLiteral: equivalent, see above
const decodedRelease = (o: KubeObject) => decodeOnce(o, 'release', decodeRelease);
// Stryker disable next-line StringLiteral: equivalent, see above
const decodedWorkload = (o: KubeObject) => decodeOnce(o, 'workload', decodeWorkload);

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
    const object = await this.loaders.get(definition.definitionKind, namespace, name);
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
    return decodeOnce(object, approach, definition.decode);
  }

  /** Every pipeline of the approach (or all), valid ones as pipelines and broken ones as errors. */
  async list(approach: Approach | null, namespace: string | null): Promise<(Pipeline | Error)[]> {
    const definitions = approach ? [APPROACH_DEFINITIONS[approach]] : allApproaches();
    const listed = await Promise.all(
      definitions.map(async (definition): Promise<Listed> => {
        try {
          return { definition, objects: await this.loaders.list(definition.definitionKind, namespace) };
        } catch (error) {
          return { definition, error: error as Error };
        }
      }),
    );
    // HYBRID, CRD and STAGE all read Pipelines: when that read fails, it is one failure
    // (one null, one error), not one phantom broken pipeline per approach.
    const reported = new Set<string>();
    const out: (Pipeline | Error)[] = [];
    for (const result of listed) {
      const kind = result.definition.definitionKind;
      if ('error' in result) {
        if (!reported.has(kind)) out.push(result.error);
        reported.add(kind);
        continue;
      }
      const { definition } = result;
      const accepted = result.objects.filter((o) => definition.accepts(o)).sort(byNamespaceAndName);
      for (let i = 0; i < accepted.length; i++) {
        // A long listing yields now and then, and stops once its deadline has passed.
        if (i > 0 && i % DECODE_SLICE === 0) {
          await new Promise((resolve) => setImmediate(resolve));
          this.loaders.checkDeadline('Listing pipelines');
        }
        try {
          out.push(decodeOnce(accepted[i]!, definition.approach, definition.decode));
        } catch (error) {
          out.push(error as Error);
        }
      }
    }
    this.loaders.checkDeadline('Listing pipelines');
    return out;
  }

  /** How current the data of an approach's pipelines is (every kind when approach is null). */
  freshness(approach: Approach | null): Freshness {
    if (approach === null) return this.loaders.freshness();
    const definitionKind = APPROACH_DEFINITIONS[approach].definitionKind;
    const kinds: ResourceKind[] = [definitionKind, ...(approach === 'STAGE' ? (['PipelineStage'] as const) : []), ...RELEASE_KINDS, 'Deployment'];
    return this.loaders.freshness(kinds);
  }

  async releasesOf(stage: Stage): Promise<(Release | Error)[]> {
    const membership = stage.membership;
    switch (membership.type) {
      case 'label':
        return this.labelledReleases(stage.namespace, membership.key, membership.value);
      case 'refs':
        return this.resolveRefs(membership.refs);
      case 'stage-object': {
        const object = await this.loaders.get('PipelineStage', membership.namespace, membership.name);
        if (!object) {
          throw new PipelineApiError(
            'STAGE_NOT_FOUND',
            `Stage "${stage.name}" points at PipelineStage ${membership.namespace}/${membership.name}, which does not exist.`,
            { kind: 'PipelineStage', namespace: membership.namespace, name: membership.name },
          );
        }
        // Stryker disable next-line StringLiteral: equivalent, as for decodedRelease above
        return this.resolveRefs(decodeOnce(object, 'stage-refs', decodePipelineStage));
      }
    }
  }

  async workloadsOf(release: Release): Promise<Workload[]> {
    const selection = release.workloadSelection;
    if (selection.type === 'labels') {
      const perKind = await Promise.all(WORKLOAD_KINDS.map((kind) => this.loaders.listByLabels(kind, selection.namespace, selection.labels)));
      return perKind.flatMap((objects) => objects.map(decodedWorkload));
    }
    const found = await Promise.all(selection.workloads.map(({ kind, namespace, name }) => this.loaders.get(kind, namespace, name)));
    // An inventory entry whose workload is gone is skipped: the release's own Ready condition reports drift.
    return WORKLOAD_KINDS.flatMap((kind) =>
      found
        .filter((d): d is KubeObject => d !== null && d.kind === kind)
        .sort(byNamespaceAndName)
        .map(decodedWorkload),
    );
  }

  /** HYBRID/CM: releases carrying the pipeline label in the stage namespace, and only there. */
  private async labelledReleases(namespace: string, key: string, value: string): Promise<Release[]> {
    const perKind = await Promise.all(
      RELEASE_KINDS.map(async (kind) => {
        try {
          return await this.loaders.listByLabels(kind, namespace, { [key]: value });
        } catch (error) {
          // A cluster without helm-controller has no HelmReleases to opt in: that is not a failure.
          if (error instanceof PipelineApiError && error.code === 'CRD_NOT_INSTALLED') return [];
          throw error;
        }
      }),
    );
    return perKind.flatMap((objects) => objects.map(decodedRelease));
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
          const found = await this.loaders.get(ref.kind, ref.namespace, ref.name);
          return found
            ? decodedRelease(found)
            : new PipelineApiError('RELEASE_NOT_FOUND', `${describeObject(object)} is referenced by the pipeline but does not exist.`, object);
        } catch (error) {
          return error as Error;
        }
      }),
    );
  }
}

/** One approach's definitions as read, or why they could not be read. */
type Listed = { definition: ApproachDefinition; objects: KubeObject[] } | { definition: ApproachDefinition; error: Error };
