import { livePipeline, type LivePipelineEvent } from '../../approaches/live-pipeline.js';
import { PipelineApiError } from '../../errors.js';
import { builder } from '../builder.js';
import { ApproachEnum } from './approach.js';
import { PipelineType } from './pipeline.js';
import { checkArgument, DEFAULT_NAMESPACE } from './query.js';

builder.subscriptionType({
  description:
    'Live answers over Server-Sent Events (the graphql-sse protocol, "distinct connections" mode: POST the subscription with `accept: text/event-stream`).',
});

builder.subscriptionField('pipeline', (t) =>
  t.field({
    type: PipelineType,
    nullable: true,
    description:
      'One pipeline, sent at once and then again whenever an object it is built from changes (changes within a moment of each other are one event). When it goes away (PIPELINE_NOT_FOUND) or can no longer be read (CRD_NOT_INSTALLED, FORBIDDEN…) the last event is null with that error, then the stream completes. While the store cannot keep the data current, events say so in `freshness`. With per-user access the caller is re-checked at least once per review-cache period even when nothing changes: an event is sent when the answer changed (a stage now FORBIDDEN), and the stream ends with null and UNAUTHENTICATED when the token no longer authenticates, or FORBIDDEN when the pipeline itself may no longer be read.',
    args: {
      approach: t.arg({ type: ApproachEnum, required: true, description: 'How the pipeline is defined.' }),
      name: t.arg.string({ required: true, description: 'The name of the Pipeline object or ConfigMap.' }),
      namespace: t.arg.string({ defaultValue: DEFAULT_NAMESPACE, description: 'Where the definition lives. Defaults to flux-system.' }),
    },
    subscribe: (_root, args, context): AsyncIterable<LivePipelineEvent> => {
      const namespace = checkArgument('namespace', args.namespace ?? DEFAULT_NAMESPACE, 'namespace');
      const name = checkArgument('name', args.name, 'name');
      const live = context.live;
      if (!live) throw new PipelineApiError('TOO_MANY_SUBSCRIPTIONS', 'Subscriptions are not served here.');
      const release = live.acquire();
      if (!release) {
        throw new PipelineApiError('TOO_MANY_SUBSCRIPTIONS', `The service already serves ${live.maxOpen} subscriptions, its limit; try again later.`);
      }
      return livePipeline(args.approach, namespace, name, {
        subscribe: live.subscribe,
        newService: (recorder) => live.freshPipelines((reader) => recorder.wrap(reader)),
        coalesceMs: live.coalesceMs,
        signal: live.signal,
        onClose: release,
        stillAuthenticated: () => context.stillAuthenticated(live.recheckMs),
        recheckMs: live.recheckMs,
      });
    },
    resolve: (event: LivePipelineEvent) => {
      if (event.error) throw event.error;
      return event.pipeline;
    },
  }),
);
