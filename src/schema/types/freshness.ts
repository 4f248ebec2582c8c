import type { Freshness } from '../../cluster/reader.js';
import { builder } from '../builder.js';
import { PipelineType } from './pipeline.js';

export const FreshnessType = builder.objectRef<Freshness>('Freshness').implement({
  description:
    'How current an answer is. The service answers from its store, which watches the cluster; while a watch is down it keeps answering from the last synced state and says so here.',
  fields: (t) => ({
    stale: t.exposeBoolean('stale', {
      description: 'True when the store could not keep some of the data behind this answer current (a watch is down): the answer is the state as of lastSyncAt.',
    }),
    lastSyncAt: t.string({
      nullable: true,
      description: 'When the store last heard from the source for the data behind this answer (the oldest of its kinds), ISO 8601; null when that data is read live per request.',
      resolve: (f) => (f.lastSyncAt === null ? null : new Date(f.lastSyncAt).toISOString()),
    }),
    staleKinds: t.exposeStringList('staleKinds', { description: 'The Kubernetes kinds whose watch is down.' }),
  }),
});

builder.objectField(PipelineType, 'freshness', (t) =>
  t.field({
    type: FreshnessType,
    description: 'How current this pipeline\'s data is: stale while a watch it depends on is down.',
    resolve: (pipeline, _args, context) => context.pipelines.freshness(pipeline.approach),
  }),
);

builder.queryField('freshness', (t) =>
  t.field({
    type: FreshnessType,
    description: 'How current the service\'s store is, over every kind it reads.',
    resolve: (_root, _args, context) => context.pipelines.freshness(null),
  }),
);
