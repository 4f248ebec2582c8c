import { insightsFor } from '../../approaches/insights.js';
import { describe } from '../../approaches/definition-fields.js';
import { badUserInput } from '../../errors.js';
import { parseImageRef } from '../../model/image-ref.js';
import { builder } from '../builder.js';
import { withItemErrors } from '../partial-results.js';
import { PlacementType } from './insights.js';
import { asNode, NodeInterface } from './node.js';

const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;
const CHART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_ID = 1024;

function checkImage(value: string) {
  if (value.length > 512 || !IMAGE.test(value)) throw badUserInput(`Argument "image": ${describe(value)} is not an image reference (e.g. "ghcr.io/org/app" or "ghcr.io/org/app:1.2.3").`);
  return parseImageRef(value);
}

function checkChart(value: string) {
  if (value.length > 253 || !CHART.test(value)) throw badUserInput(`Argument "chart": ${describe(value)} is not a chart name (letters, digits, ".", "_", "-").`);
  return value;
}

builder.queryFields((t) => ({
  whereDeployed: t.field({
    type: [PlacementType],
    nullable: { list: false, items: true },
    description:
      'Every pipeline, stage, release and workload running an image repository (any tag or digest; only that one when the argument names a tag or digest; Docker Hub short names match their full form) or a chart (by chart name), with the version, across every approach and namespace. Give image, chart, or both (then both kinds of placement are listed). A pipeline, stage or release that could not be read is a null with the error at its index: the list may then be incomplete, and says so.',
    args: {
      image: t.arg.string({ description: 'An image repository, e.g. "ghcr.io/stefanprodan/podinfo", optionally with ":tag" or "@digest".' }),
      chart: t.arg.string({ description: 'A Helm chart name, e.g. "podinfo".' }),
    },
    resolve: async (_root, args, context) => {
      const image = args.image === null || args.image === undefined ? null : checkImage(args.image);
      const chart = args.chart === null || args.chart === undefined ? null : checkChart(args.chart);
      if (image === null && chart === null) throw badUserInput('whereDeployed needs an "image" or a "chart" argument (or both).');
      return withItemErrors(await insightsFor(context.pipelines).whereDeployed({ image, chart }));
    },
  }),
  node: t.field({
    type: NodeInterface,
    nullable: true,
    description:
      'Refetches any object by its id (Relay object identification). Null when nothing has that id now, or the id is not one this API issues. A SourceReference is answered from its id alone: sources are not read.',
    args: { id: t.arg.id({ required: true, description: 'An id this API returned.' }) },
    resolve: async (_root, args, context) => {
      const id = String(args.id);
      if (id.length > MAX_ID) throw badUserInput(`Argument "id" is longer than ${MAX_ID} characters.`);
      const found = await insightsFor(context.pipelines).node(id);
      return found ? asNode(found.type, found.value) : null;
    },
  }),
}));
