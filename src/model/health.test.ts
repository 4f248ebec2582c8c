import { describe, expect, it } from 'vitest';
import { pipelineHealth, releaseHealth, stageHealth, type ConditionSummary, type ReleaseHealthInput, type WorkloadHealthInput } from './health.js';

const none: ConditionSummary = { status: null, reason: null, message: null };
const cond = (status: 'True' | 'False' | 'Unknown', reason: string, message = ''): ConditionSummary => ({ status, reason, message });
const subject = { kind: 'HelmRelease', namespace: 'dev', name: 'app' };
const workload = (extra: Partial<WorkloadHealthInput> = {}): WorkloadHealthInput => ({
  subject: { kind: 'Deployment', namespace: 'dev', name: 'web' },
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

describe('releaseHealth', () => {
  it('is HEALTHY when Ready and every workload is fully rolled out', () => {
    expect(releaseHealth(release())).toMatchObject({ health: 'HEALTHY', subject, condition: 'Ready' });
  });

  it('puts suspend first, even over a failure', () => {
    const v = releaseHealth(release({ suspended: true, ready: cond('False', 'InstallFailed') }));
    expect(v).toMatchObject({ health: 'SUSPENDED', message: 'HelmRelease dev/app is suspended (spec.suspend is true).' });
  });

  it('is FAILED when Stalled, naming the condition and its reason', () => {
    const v = releaseHealth(release({ stalled: cond('True', 'InvalidChartReference', 'chart not found'), reconciling: cond('True', 'Progressing') }));
    expect(v).toMatchObject({ health: 'FAILED', condition: 'Stalled' });
    expect(v.message).toContain('InvalidChartReference: chart not found');
  });

  it('is PROGRESSING while reconciling or while Ready is Unknown', () => {
    expect(releaseHealth(release({ reconciling: cond('True', 'Progressing'), ready: cond('Unknown', 'Progressing') })).health).toBe('PROGRESSING');
    expect(releaseHealth(release({ ready: cond('Unknown', 'Progressing') }))).toMatchObject({ health: 'PROGRESSING', condition: 'Ready' });
  });

  it('is FAILED when Ready is False, also while Flux retries it', () => {
    expect(releaseHealth(release({ ready: cond('False', 'UpgradeFailed') }))).toMatchObject({ health: 'FAILED', condition: 'Ready' });
    const retrying = release({ ready: cond('False', 'UpgradeFailed'), reconciling: cond('True', 'ProgressingWithRetry') });
    expect(releaseHealth(retrying).health).toBe('FAILED');
  });

  it('is PROGRESSING when Ready is about an older generation than the spec', () => {
    expect(releaseHealth(release({ stale: true }))).toMatchObject({ health: 'PROGRESSING', message: expect.stringContaining('observedGeneration') });
    expect(releaseHealth(release({ stale: true, ready: cond('False', 'UpgradeFailed') })).health).toBe('FAILED');
  });

  it('is UNKNOWN without a Ready condition, and when its workloads cannot be read', () => {
    expect(releaseHealth(release({ ready: none })).health).toBe('UNKNOWN');
    expect(releaseHealth(release({ workloads: null }))).toMatchObject({ health: 'UNKNOWN', message: expect.stringContaining('could not be read') });
  });

  it('looks at replica counts once Ready: short is PROGRESSING, a rollout past its deadline FAILED', () => {
    const short = releaseHealth(release({ workloads: [workload(), workload({ subject: { kind: 'StatefulSet', namespace: 'dev', name: 'db' }, readyReplicas: 1 })] }));
    expect(short).toMatchObject({ health: 'PROGRESSING', subject: { kind: 'StatefulSet', name: 'db' } });
    expect(short.message).toContain('1/2 replicas ready');
    expect(releaseHealth(release({ workloads: [workload({ rolloutFailed: true, readyReplicas: 1 })] })).health).toBe('FAILED');
  });
});

describe('stageHealth and pipelineHealth', () => {
  const stage = { kind: 'Stage', namespace: 'dev', name: 'dev' };
  const healthy = releaseHealth(release());
  const failed = releaseHealth(release({ ready: cond('False', 'InstallFailed') }));
  const progressing = releaseHealth(release({ ready: cond('Unknown', 'Progressing') }));

  it('takes the worst release, whose reason it keeps', () => {
    expect(stageHealth(stage, [healthy, progressing, failed])).toBe(failed);
    expect(stageHealth(stage, [healthy, progressing])).toBe(progressing);
    expect(stageHealth(stage, [healthy]).health).toBe('HEALTHY');
  });

  it('is UNKNOWN when the stage, or one of its releases, could not be read, or has no releases', () => {
    expect(stageHealth(stage, { unreadable: 'PipelineStage dev/x does not exist.' })).toMatchObject({ health: 'UNKNOWN', message: expect.stringContaining('does not exist') });
    expect(stageHealth(stage, [healthy, { unreadable: 'gone' }]).health).toBe('UNKNOWN');
    expect(stageHealth(stage, [healthy, { unreadable: 'gone' }, failed]).health).toBe('FAILED');
    expect(stageHealth(stage, []).health).toBe('UNKNOWN');
  });

  it('names the first stage, in order, that is not healthy', () => {
    const stages = [
      { stage, verdict: stageHealth(stage, [healthy]) },
      { stage: { ...stage, name: 'staging' }, verdict: progressing },
      { stage: { ...stage, name: 'prod' }, verdict: failed },
    ];
    expect(pipelineHealth('p', stages)).toEqual({ verdict: failed, firstUnhealthy: 1 });
    expect(pipelineHealth('p', stages.slice(0, 1))).toMatchObject({ verdict: { health: 'HEALTHY' }, firstUnhealthy: null });
  });
});
