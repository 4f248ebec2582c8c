import { builder } from '../builder.js';

export const ApproachEnum = builder.enumType('Approach', {
  description: 'How a pipeline is defined in the cluster. All four are read side by side.',
  values: {
    HYBRID: {
      description:
        'A wego.weave.works/v1alpha1 Pipeline lists the stages; Kustomizations and HelmReleases join by carrying the label pipelines.wego.weave.works/name=<pipeline> in a stage namespace. Labelled objects elsewhere are ignored.',
    },
    CRD: {
      description:
        'A wego.weave.works/v1alpha2 Pipeline whose stages list their releases as releaseRefs, resolved in the stage namespace.',
    },
    STAGE: {
      description:
        'A wego.weave.works/v1alpha3 Pipeline of environments, each pointing at a PipelineStage whose releaseRefs resolve in its own namespace. Stage order is list order.',
    },
    CM: {
      description:
        'A ConfigMap whose data.pipelines YAML holds the stages (as HYBRID); releases join by the same label.',
    },
  } as const,
});
