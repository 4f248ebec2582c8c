/**
 * Health, rolled up from releases to stages to pipelines, with the reason beside it.
 * Pure: it reads the model (conditions, suspend, replica counts), never Kubernetes
 * objects or GraphQL. The precedence below is the one the schema and README state.
 */
export const HEALTHS = ['HEALTHY', 'PROGRESSING', 'SUSPENDED', 'UNKNOWN', 'FAILED'] as const;
export type Health = (typeof HEALTHS)[number];

/** Worse is higher: a stage takes its worst release's health, a pipeline its worst stage's. */
const SEVERITY: Record<Health, number> = { HEALTHY: 0, PROGRESSING: 1, SUSPENDED: 2, UNKNOWN: 3, FAILED: 4 };

/** The object a health verdict is about (a release, a workload, a stage). */
export interface HealthSubject {
  kind: string;
  namespace: string;
  name: string;
}

export interface HealthVerdict {
  health: Health;
  /** One sentence naming the release, condition or workload that decided it. */
  message: string;
  subject: HealthSubject | null;
  /** The Flux condition type that decided it ("Ready", "Stalled", "Reconciling"), if one did. */
  condition: string | null;
}

/** A Flux condition as far as health needs it. */
export interface ConditionSummary {
  status: 'True' | 'False' | 'Unknown' | null;
  reason: string | null;
  message: string | null;
}

export interface ReleaseHealthInput {
  subject: HealthSubject;
  suspended: boolean;
  ready: ConditionSummary;
  reconciling: ConditionSummary;
  stalled: ConditionSummary;
  /** The controller has not yet observed the latest spec (status.observedGeneration < metadata.generation). */
  stale: boolean;
  /** null when the workloads could not be read. */
  workloads: WorkloadHealthInput[] | null;
}

export interface WorkloadHealthInput {
  subject: HealthSubject;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  /** The rollout gave up (a Deployment's Progressing condition says ProgressDeadlineExceeded). */
  rolloutFailed: boolean;
}

const verdict = (health: Health, message: string, subject: HealthSubject | null, condition: string | null = null): HealthVerdict => ({
  health,
  message,
  subject,
  condition,
});

const describeSubject = (s: HealthSubject) => `${s.kind} ${s.namespace}/${s.name}`;
const because = (c: ConditionSummary) => [c.reason, c.message].filter(Boolean).join(': ');

/**
 * A release's health, first rule that applies wins:
 * 1. spec.suspend → SUSPENDED (Flux will not act on it, whatever its last status says);
 * 2. Stalled=True → FAILED (the controller gave up retrying);
 * 3. Reconciling=True (except Flux's ProgressingWithRetry, a failure being retried), or
 *    Ready=Unknown → PROGRESSING;
 * 4. Ready=False → FAILED;
 * 5. no Ready condition → UNKNOWN (never reconciled, or not by Flux);
 * 6. Ready=True but for an older generation of the spec (a change not yet reconciled) → PROGRESSING;
 * 7. Ready=True but its workloads could not be read → UNKNOWN;
 * 8. Ready=True and a workload's rollout exceeded its deadline → FAILED;
 * 9. Ready=True and a workload with fewer ready or updated replicas than desired → PROGRESSING;
 * 10. otherwise HEALTHY.
 */
export function releaseHealth(input: ReleaseHealthInput): HealthVerdict {
  const { subject, ready, reconciling, stalled } = input;
  const who = describeSubject(subject);
  if (input.suspended) return verdict('SUSPENDED', `${who} is suspended (spec.suspend is true).`, subject);
  if (stalled.status === 'True') return verdict('FAILED', `${who} is stalled: ${because(stalled) || 'no reason given'}.`, subject, 'Stalled');
  if (reconciling.status === 'True' && reconciling.reason !== 'ProgressingWithRetry') {
    return verdict('PROGRESSING', `${who} is reconciling: ${because(reconciling) || 'no reason given'}.`, subject, 'Reconciling');
  }
  if (ready.status === 'Unknown') return verdict('PROGRESSING', `${who} is not ready yet: ${because(ready) || 'Ready is Unknown'}.`, subject, 'Ready');
  if (ready.status === 'False') return verdict('FAILED', `${who} is not ready: ${because(ready) || 'Ready is False'}.`, subject, 'Ready');
  if (ready.status !== 'True') return verdict('UNKNOWN', `${who} has no Ready condition: it has not been reconciled.`, subject, 'Ready');
  if (input.stale) return verdict('PROGRESSING', `${who} has a spec change the controller has not reconciled yet (observedGeneration is behind generation).`, subject, 'Ready');
  if (input.workloads === null) return verdict('UNKNOWN', `${who} is ready, but its workloads could not be read.`, subject);
  const failed = input.workloads.find((w) => w.rolloutFailed);
  if (failed) return verdict('FAILED', `${describeSubject(failed.subject)} (of ${who}) exceeded its rollout deadline.`, failed.subject);
  const short = input.workloads.find((w) => w.readyReplicas < w.replicas || w.updatedReplicas < w.replicas);
  if (short) {
    return verdict(
      'PROGRESSING',
      `${describeSubject(short.subject)} (of ${who}) has ${short.readyReplicas}/${short.replicas} replicas ready and ${short.updatedReplicas}/${short.replicas} updated.`,
      short.subject,
    );
  }
  const n = input.workloads.length;
  return verdict('HEALTHY', `${who} is ready${n > 0 ? ` and its ${n} workload${n === 1 ? ' is' : 's are'} fully available` : ''}.`, subject, 'Ready');
}

/** The worst of several verdicts; the earliest wins a tie, so the reason names the first culprit in order. */
export function worstOf(verdicts: readonly HealthVerdict[]): HealthVerdict | null {
  let worst: HealthVerdict | null = null;
  for (const v of verdicts) if (!worst || SEVERITY[v.health] > SEVERITY[worst.health]) worst = v;
  return worst;
}

/** What a stage's releases turned out to be: a verdict each, or why one could not be read. */
export type StageReleaseHealth = HealthVerdict | { unreadable: string };

/**
 * A stage is as healthy as its worst release. A release that could not be read (a dangling
 * ref, a forbidden namespace) counts as UNKNOWN, as does a stage that could not be read at
 * all or has no releases: none of them is evidence of health.
 */
export function stageHealth(stage: HealthSubject, releases: readonly StageReleaseHealth[] | { unreadable: string }): HealthVerdict {
  const where = `Stage ${stage.name} (namespace ${stage.namespace})`;
  if (!Array.isArray(releases)) return verdict('UNKNOWN', `${where} could not be read: ${(releases as { unreadable: string }).unreadable}`, stage);
  const verdicts = releases.map((r) => ('unreadable' in r ? verdict('UNKNOWN', `A release of ${where} could not be read: ${r.unreadable}`, stage) : r));
  if (verdicts.length === 0) return verdict('UNKNOWN', `${where} has no releases.`, stage);
  const worst = worstOf(verdicts)!;
  if (worst.health !== 'HEALTHY') return worst;
  return verdict('HEALTHY', `All ${verdicts.length} release${verdicts.length === 1 ? '' : 's'} of ${where} are healthy.`, stage);
}

export interface StageVerdict {
  stage: HealthSubject;
  verdict: HealthVerdict;
}

/** A pipeline is as healthy as its worst stage; firstUnhealthy is the first stage, in order, that is not HEALTHY. */
export function pipelineHealth(pipelineName: string, stages: readonly StageVerdict[]): { verdict: HealthVerdict; firstUnhealthy: number | null } {
  const index = stages.findIndex((s) => s.verdict.health !== 'HEALTHY');
  const worst = worstOf(stages.map((s) => s.verdict));
  if (!worst) return { verdict: verdict('UNKNOWN', `Pipeline ${pipelineName} has no stages.`, null), firstUnhealthy: null };
  if (worst.health === 'HEALTHY') {
    return { verdict: verdict('HEALTHY', `All ${stages.length} stages of pipeline ${pipelineName} are healthy.`, null), firstUnhealthy: null };
  }
  return { verdict: worst, firstUnhealthy: index };
}
