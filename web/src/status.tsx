/**
 * How a release is doing, shown everywhere as colour and icon and text, so no one needs to tell
 * colours apart. Derived from the Ready condition and spec.suspend as the API reports them.
 */
export type StatusKey = 'healthy' | 'progressing' | 'failed' | 'suspended' | 'unknown';

export const STATUS: Record<StatusKey, { label: string; icon: string; meaning: string }> = {
  healthy: { label: 'Ready', icon: '✓', meaning: 'the Ready condition is True' },
  progressing: { label: 'Reconciling', icon: '↻', meaning: 'the Ready condition is Unknown: Flux is working on it' },
  failed: { label: 'Failing', icon: '✕', meaning: 'the Ready condition is False' },
  suspended: { label: 'Suspended', icon: '⏸', meaning: 'spec.suspend is set: Flux leaves it alone' },
  unknown: { label: 'Unknown', icon: '?', meaning: 'no Ready condition yet, or the release could not be read' },
};

const RANK: StatusKey[] = ['failed', 'unknown', 'progressing', 'suspended', 'healthy'];

export function releaseStatus(r: { ready: boolean; suspended: boolean; readyStatus?: string | null }): StatusKey {
  if (r.suspended) return 'suspended';
  if (r.ready) return 'healthy';
  if (r.readyStatus === 'False') return 'failed';
  if (r.readyStatus === 'Unknown') return 'progressing';
  return 'unknown';
}

/** The worst of several statuses: one failing release makes its stage or pipeline failing. */
export function worst(keys: StatusKey[]): StatusKey | null {
  if (keys.length === 0) return null;
  return RANK.find((k) => keys.includes(k)) ?? 'unknown';
}

export function StatusPill({ status, detail }: { status: StatusKey; detail?: string | null }) {
  const s = STATUS[status];
  return (
    <span class={`pill pill-${status}`} title={detail ?? s.meaning}>
      <span class="pill-icon" aria-hidden="true">
        {s.icon}
      </span>
      {s.label}
    </span>
  );
}
