import type { Stage } from '../../model/pipeline.js';
import { builder } from '../builder.js';
import { NodeInterface } from './node.js';
import { withItemErrors } from '../partial-results.js';
import { ReleaseInterface } from './release.js';

export const StageType = builder.objectRef<Stage>('Stage').implement({
  description: 'One environment of a pipeline (dev, staging, prod…), bound to a namespace.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable id: the pipeline id plus the stage name.' }),
    name: t.exposeString('name', { description: 'The stage name.' }),
    namespace: t.exposeString('namespace', { description: 'The namespace the stage deploys to; its releases live here.' }),
    order: t.exposeInt('order', {
      description: 'Position in the pipeline, 1 first. Stages are returned in this order. STAGE pipelines use list order.',
    }),
    cluster: t.exposeString('cluster', {
      nullable: true,
      description: 'The cluster the stage targets, when the definition names one (multi-cluster is not read yet).',
    }),
    releases: t.loadableList({
      type: ReleaseInterface,
      nullable: { list: true, items: true },
      description:
        'The Kustomizations and HelmReleases of this stage. A release that cannot be resolved (a dangling or unsupported releaseRef) is null in the list, with an error at its exact path; the others still resolve. The whole list is null, with an error here, when the stage cannot be read at all (a missing PipelineStage, a namespace the service may not read); other stages still resolve.',
      load: (stages: Stage[], context) =>
        Promise.all(
          stages.map((s) =>
            context.pipelines.releasesOf(s).then(withItemErrors, (error: Error) => error),
          ),
        ),
      loaderOptions: { cacheKeyFn: (stage) => stage.id },
      resolve: (stage) => stage,
    }),
  }),
});
