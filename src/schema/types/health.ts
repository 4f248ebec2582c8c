import type { HealthVerdict } from '../../model/health.js';
import type { ObjectKey } from '../../model/versions.js';
import { builder } from '../builder.js';

export const HealthEnum = builder.enumType('Health', {
  description: [
    'How healthy a release, stage or pipeline is. A release takes the first rule that applies:',
    '(1) spec.suspend → SUSPENDED; (2) Stalled=True → FAILED; (3) Reconciling=True (except reason ProgressingWithRetry) or Ready=Unknown → PROGRESSING;',
    '(4) Ready=False → FAILED; (5) no Ready condition → UNKNOWN; (6) Ready=True but for an older generation (status.observedGeneration behind metadata.generation) → PROGRESSING;',
    '(7) Ready=True but its workloads could not be read → UNKNOWN;',
    '(8) a workload whose rollout exceeded its progress deadline → FAILED; (9) a workload with fewer ready or updated replicas than desired → PROGRESSING;',
    '(10) otherwise HEALTHY. A stage is as healthy as its worst release, and UNKNOWN when it, or one of its releases, could not be read, or it has no releases.',
    'A pipeline is as healthy as its worst stage. From best to worst: HEALTHY, PROGRESSING, SUSPENDED, UNKNOWN, FAILED.',
  ].join(' '),
  values: {
    HEALTHY: { description: 'Ready, and every workload has all its replicas ready and updated.' },
    PROGRESSING: { description: 'Flux is reconciling, or a workload is still rolling out.' },
    SUSPENDED: { description: 'Reconciliation is suspended (spec.suspend): Flux does not act on it.' },
    UNKNOWN: { description: 'Cannot be told: never reconciled, or not readable (a dangling ref, a forbidden namespace, no releases).' },
    FAILED: { description: 'Ready is False, the object is Stalled, or a workload exceeded its rollout deadline.' },
  } as const,
});

export const ObjectReferenceType = builder.objectRef<ObjectKey>('ObjectReference').implement({
  description: 'A Kubernetes object, by kind, namespace and name (namespace "" for a cluster-scoped one, e.g. a Namespace).',
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'The Kubernetes kind.' }),
    namespace: t.exposeString('namespace', { description: 'The namespace; "" for a cluster-scoped object.' }),
    name: t.exposeString('name', { description: 'The object name.' }),
  }),
});

export const HealthReasonType = builder.objectRef<HealthVerdict>('HealthReason').implement({
  description: 'Why a health is what it is: the release, condition or workload that decided it.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'One sentence naming what decided the health, e.g. "HelmRelease dev/app is not ready: UpgradeFailed: …".' }),
    object: t.field({
      type: ObjectReferenceType,
      nullable: true,
      description: 'The object that decided it (a release, a workload, or the stage itself); null for a pipeline whose stages are all healthy.',
      resolve: (v) => v.subject,
    }),
    condition: t.exposeString('condition', {
      nullable: true,
      description: 'The Flux condition type that decided it ("Ready", "Stalled", "Reconciling"), when a condition did.',
    }),
  }),
});
