import type { ContainerImage } from '../../model/workload.js';
import { builder } from '../builder.js';
import { NodeInterface } from './node.js';

export const ImageType = builder.objectRef<ContainerImage>('Image').implement({
  description: 'The image one container of a workload runs, split as container runtimes read the reference.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable id: the workload id plus the container name.' }),
    container: t.exposeString('container', { description: 'The container name.' }),
    init: t.exposeBoolean('init', { description: 'True for an init container.' }),
    reference: t.exposeString('reference', { description: 'The image reference exactly as the pod spec gives it.' }),
    repository: t.exposeString('repository', {
      description: 'Registry (with port, if any) and path, without tag or digest, e.g. "host:5000/team/app".',
    }),
    tag: t.exposeString('tag', {
      nullable: true,
      description: 'The tag, or null when the reference has none (the runtime then pulls "latest" unless a digest pins it).',
    }),
    digest: t.exposeString('digest', { nullable: true, description: 'The digest ("sha256:…") when the reference pins one.' }),
  }),
});
