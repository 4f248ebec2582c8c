import { describe, expect, it } from 'vitest';
import {
  pipelineHealth,
  releaseHealth,
  stageHealth,
  worstOf,
  type ConditionSummary,
  type HealthVerdict,
  type ReleaseHealthInput,
  type WorkloadHealthInput,
} from './health.js';

// Whole verdicts, word for word: healthReason.message is what the UI's "Why" line and the
// CLI print, and condition/object are what a client links to (README "Health, with its reason").

const none: ConditionSummary = { status: null, reason: null, message: null };
const cond = (status: 'True' | 'False' | 'Unknown', reason: string | null, message: string | null = null): ConditionSummary => ({ status, reason, message });
const subject = { kind: 'HelmRelease', namespace: 'dev', name: 'app' };
const web = { kind: 'Deployment', namespace: 'dev', name: 'web' };
const db = { kind: 'StatefulSet', namespace: 'dev', name: 'db' };
const workload = (extra: Partial<WorkloadHealthInput> = {}): WorkloadHealthInput => ({
  subject: web,
  replicas: 2,
  readyReplicas: 2,
  updatedReplicas: 2,
  rolloutFailed: false,
  ...extra,
});
const release = (extra: Partial<ReleaseHealthInput> = {}): ReleaseHealthInput => ({
  subject,
  suspended: false,
  ready: cond('True', 'ReconciliationSucceeded'),
  reconciling: none,
  stalled: none,
  stale: false,
  workloads: [workload()],
  ...extra,
});
const v = (health: HealthVerdict['health'], message: string, subj: HealthVerdict['subject'], condition: string | null = null): HealthVerdict => ({
  health,
  message,
  subject: subj,
  condition,
});

describe('releaseHealth, whole verdicts', () => {
  it('HEALTHY names how many workloads are fully available (none, one, several)', () => {
    expect(releaseHealth(release())).toEqual(v('HEALTHY', 'HelmRelease dev/app is ready and its 1 workload is fully available.', subject, 'Ready'));
    expect(releaseHealth(release({ workloads: [workload(), workload({ subject: db })] }))).toEqual(
      v('HEALTHY', 'HelmRelease dev/app is ready and its 2 workloads are fully available.', subject, 'Ready'),
    );
    expect(releaseHealth(release({ workloads: [] }))).toEqual(v('HEALTHY', 'HelmRelease dev/app is ready.', subject, 'Ready'));
  });

  it('SUSPENDED comes first, with no condition', () => {
    const input = release({ suspended: true, stalled: cond('True', 'X'), ready: cond('False', 'InstallFailed'), workloads: null });
    expect(releaseHealth(input)).toEqual(v('SUSPENDED', 'HelmRelease dev/app is suspended (spec.suspend is true).', subject));
  });

  it('Stalled=True is FAILED with reason and message, or says none was given', () => {
    expect(releaseHealth(release({ stalled: cond('True', 'InvalidChartReference', 'chart not found') }))).toEqual(
      v('FAILED', 'HelmRelease dev/app is stalled: InvalidChartReference: chart not found.', subject, 'Stalled'),
    );
    expect(releaseHealth(release({ stalled: cond('True', null, 'only a message') })).message).toBe('HelmRelease dev/app is stalled: only a message.');
    expect(releaseHealth(release({ stalled: cond('True', null, null) })).message).toBe('HelmRelease dev/app is stalled: no reason given.');
    // Stalled False or Unknown decides nothing.
    expect(releaseHealth(release({ stalled: cond('False', 'Fine') })).health).toBe('HEALTHY');
    expect(releaseHealth(release({ stalled: cond('Unknown', 'Hm') })).health).toBe('HEALTHY');
  });

  it('Reconciling=True is PROGRESSING, except ProgressingWithRetry', () => {
    expect(releaseHealth(release({ reconciling: cond('True', 'Progressing', 'Running upgrade') }))).toEqual(
      v('PROGRESSING', 'HelmRelease dev/app is reconciling: Progressing: Running upgrade.', subject, 'Reconciling'),
    );
    expect(releaseHealth(release({ reconciling: cond('True', null) })).message).toBe('HelmRelease dev/app is reconciling: no reason given.');
    // A failure being retried, with Ready still True, reads as the Ready condition says.
    expect(releaseHealth(release({ reconciling: cond('True', 'ProgressingWithRetry') }))).toMatchObject({ health: 'HEALTHY', condition: 'Ready' });
    expect(releaseHealth(release({ reconciling: cond('False', 'Progressing') })).health).toBe('HEALTHY');
    expect(releaseHealth(release({ reconciling: cond('Unknown', 'Progressing') })).health).toBe('HEALTHY');
  });

  it('Ready=Unknown is PROGRESSING, Ready=False FAILED, each with its reason or a default', () => {
    expect(releaseHealth(release({ ready: cond('Unknown', 'Progressing', 'reconciliation in progress') }))).toEqual(
      v('PROGRESSING', 'HelmRelease dev/app is not ready yet: Progressing: reconciliation in progress.', subject, 'Ready'),
    );
    expect(releaseHealth(release({ ready: cond('Unknown', null) })).message).toBe('HelmRelease dev/app is not ready yet: Ready is Unknown.');
    expect(releaseHealth(release({ ready: cond('False', 'UpgradeFailed', 'timed out') }))).toEqual(
      v('FAILED', 'HelmRelease dev/app is not ready: UpgradeFailed: timed out.', subject, 'Ready'),
    );
    expect(releaseHealth(release({ ready: cond('False', null) })).message).toBe('HelmRelease dev/app is not ready: Ready is False.');
  });

  it('no Ready condition is UNKNOWN; stale is PROGRESSING; unreadable workloads UNKNOWN', () => {
    expect(releaseHealth(release({ ready: none, stale: true }))).toEqual(
      v('UNKNOWN', 'HelmRelease dev/app has no Ready condition: it has not been reconciled.', subject, 'Ready'),
    );
    expect(releaseHealth(release({ stale: true, workloads: null }))).toEqual(
      v(
        'PROGRESSING',
        'HelmRelease dev/app has a spec change the controller has not reconciled yet (observedGeneration is behind generation).',
        subject,
        'Ready',
      ),
    );
    expect(releaseHealth(release({ workloads: null }))).toEqual(v('UNKNOWN', 'HelmRelease dev/app is ready, but its workloads could not be read.', subject));
  });

  it('a rollout past its deadline is FAILED before a short workload, naming the workload', () => {
    const input = release({ workloads: [workload({ subject: db, readyReplicas: 0 }), workload({ rolloutFailed: true })] });
    expect(releaseHealth(input)).toEqual(v('FAILED', 'Deployment dev/web (of HelmRelease dev/app) exceeded its rollout deadline.', web));
  });

  it('a workload short of ready or of updated replicas is PROGRESSING, naming both counts', () => {
    expect(releaseHealth(release({ workloads: [workload(), workload({ subject: db, readyReplicas: 1 })] }))).toEqual(
      v('PROGRESSING', 'StatefulSet dev/db (of HelmRelease dev/app) has 1/2 replicas ready and 2/2 updated.', db),
    );
    expect(releaseHealth(release({ workloads: [workload({ updatedReplicas: 1 })] }))).toEqual(
      v('PROGRESSING', 'Deployment dev/web (of HelmRelease dev/app) has 2/2 replicas ready and 1/2 updated.', web),
    );
    // More than desired (a rollout's surge) is not short.
    expect(releaseHealth(release({ workloads: [workload({ readyReplicas: 3, updatedReplicas: 3 })] })).health).toBe('HEALTHY');
  });
});

describe('worstOf', () => {
  const at = (health: HealthVerdict['health'], message: string) => v(health, message, null);
  it('orders FAILED > UNKNOWN > SUSPENDED > PROGRESSING > HEALTHY, the earliest winning a tie', () => {
    expect(worstOf([])).toBeNull();
    const order = ['HEALTHY', 'PROGRESSING', 'SUSPENDED', 'UNKNOWN', 'FAILED'] as const;
    for (let i = 1; i < order.length; i++) {
      const better = at(order[i - 1]!, 'better');
      const worse = at(order[i]!, 'worse');
      expect(worstOf([better, worse])).toBe(worse);
      expect(worstOf([worse, better])).toBe(worse);
    }
    const first = at('FAILED', 'first');
    expect(worstOf([at('HEALTHY', 'h'), first, at('FAILED', 'second')])).toBe(first);
  });
});

describe('stageHealth and pipelineHealth, whole verdicts', () => {
  const stage = { kind: 'Stage', namespace: 'dev-ns', name: 'dev' };
  const healthy = releaseHealth(release());

  it('says how many releases are healthy, or why it cannot tell', () => {
    expect(stageHealth(stage, [healthy])).toEqual(v('HEALTHY', 'All 1 release of Stage dev (namespace dev-ns) are healthy.', stage));
    expect(stageHealth(stage, [healthy, healthy])).toEqual(v('HEALTHY', 'All 2 releases of Stage dev (namespace dev-ns) are healthy.', stage));
    expect(stageHealth(stage, [])).toEqual(v('UNKNOWN', 'Stage dev (namespace dev-ns) has no releases.', stage));
    expect(stageHealth(stage, { unreadable: 'Forbidden.' })).toEqual(v('UNKNOWN', 'Stage dev (namespace dev-ns) could not be read: Forbidden.', stage));
    expect(stageHealth(stage, [healthy, { unreadable: 'HelmRelease dev/x does not exist.' }])).toEqual(
      v('UNKNOWN', 'A release of Stage dev (namespace dev-ns) could not be read: HelmRelease dev/x does not exist.', stage),
    );
  });

  it('a pipeline with no stages is UNKNOWN; all healthy says how many', () => {
    expect(pipelineHealth('shop', [])).toEqual({ verdict: v('UNKNOWN', 'Pipeline shop has no stages.', null), firstUnhealthy: null });
    const ok = { stage, verdict: stageHealth(stage, [healthy]) };
    expect(pipelineHealth('shop', [ok, ok])).toEqual({ verdict: v('HEALTHY', 'All 2 stages of pipeline shop are healthy.', null), firstUnhealthy: null });
    const suspended = { stage, verdict: releaseHealth(release({ suspended: true })) };
    expect(pipelineHealth('shop', [ok, ok, suspended])).toEqual({ verdict: suspended.verdict, firstUnhealthy: 2 });
  });
});
