import { badUserInput } from '../../errors.js';
import { describe } from '../../approaches/definition-fields.js';
import { nameProblem, type NameRule } from '../../util/k8s-names.js';
import { builder } from '../builder.js';
import { withItemErrors } from '../partial-results.js';
import { ApproachEnum } from './approach.js';
import { PipelineType } from './pipeline.js';

export const DEFAULT_NAMESPACE = 'flux-system';

/** Arguments become URL path segments: check them before anything reaches the cluster. */
export function checkArgument(argument: string, value: string, rule: NameRule): string {
  const problem = nameProblem(value, rule);
  if (problem) throw badUserInput(`Argument "${argument}": ${describe(value)} ${problem}.`);
  return value;
}

builder.queryFields((t) => ({
  pipeline: t.field({
    type: PipelineType,
    nullable: true,
    description:
      'One pipeline by approach, name and namespace. Null, with a PIPELINE_NOT_FOUND error, when there is no such pipeline of that approach.',
    args: {
      approach: t.arg({ type: ApproachEnum, required: true, description: 'How the pipeline is defined.' }),
      name: t.arg.string({ required: true, description: 'The name of the Pipeline object or ConfigMap.' }),
      namespace: t.arg.string({
        defaultValue: DEFAULT_NAMESPACE,
        description: 'Where the definition lives. Defaults to flux-system.',
      }),
    },
    resolve: (_root, args, context) =>
      context.pipelines.get(
        args.approach,
        checkArgument('namespace', args.namespace ?? DEFAULT_NAMESPACE, 'namespace'),
        checkArgument('name', args.name, 'name'),
      ),
  }),
  pipelines: t.field({
    type: [PipelineType],
    nullable: { list: false, items: true },
    description:
      'Every pipeline of one approach, or of all when approach is omitted, in one namespace or all. A definition that cannot be read is null in the list with an error at its index; the others are still listed. A kind that cannot be listed at all (e.g. CRD_NOT_INSTALLED) is one null with one error, even though HYBRID, CRD and STAGE all read it. Its complexity counts the pipelines it really lists: a selection too large for that many is refused with QUERY_TOO_COMPLEX before any of their fields resolve.',
    args: {
      approach: t.arg({ type: ApproachEnum, description: 'Only this approach; all four when omitted.' }),
      namespace: t.arg.string({ description: 'Only this namespace; all namespaces when omitted.' }),
    },
    resolve: async (_root, args, context, info) => {
      const listed = await context.pipelines.list(
        args.approach ?? null,
        args.namespace === null || args.namespace === undefined ? null : checkArgument('namespace', args.namespace, 'namespace'),
      );
      // Priced with the real count before anything below resolves: an answer sized by the fleet.
      context.priceListing?.(info, listed.length);
      return withItemErrors(listed);
    },
  }),
}));
