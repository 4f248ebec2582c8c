import type { Health } from './gql/graphql';

/**
 * The server's Health, shown everywhere as colour and icon and text, so no one needs to tell
 * colours apart. The rules that decide it are the schema's (see enum Health).
 */
export const HEALTH: Record<Health, { label: string; icon: string; className: string }> = {
  HEALTHY: { label: 'Healthy', icon: '✓', className: 'healthy' },
  PROGRESSING: { label: 'Progressing', icon: '↻', className: 'progressing' },
  FAILED: { label: 'Failed', icon: '✕', className: 'failed' },
  SUSPENDED: { label: 'Suspended', icon: '⏸', className: 'suspended' },
  UNKNOWN: { label: 'Unknown', icon: '?', className: 'unknown' },
};

export function HealthPill({ health, reason }: { health: Health; reason?: string | null }) {
  const h = HEALTH[health];
  return (
    <span class={`pill pill-${h.className}`} title={reason ?? undefined} data-health={health}>
      <span class="pill-icon" aria-hidden="true">
        {h.icon}
      </span>
      {h.label}
    </span>
  );
}
