import { describe, expect, it } from 'vitest';
import { chartVersionSince } from './versions.js';

const entry = (chartVersion: string, deployedAt: string | null) => ({ chartName: 'app', chartVersion, deployedAt, status: 'superseded' });

describe('chartVersionSince', () => {
  it('is when the newest unbroken run of the deployed version began', () => {
    // Newest first: two upgrades of values only on 1.2.0, which replaced 1.1.0.
    const history = [entry('1.2.0', '2026-03-05T00:00:00Z'), entry('1.2.0', '2026-03-04T00:00:00Z'), entry('1.1.0', '2026-03-01T00:00:00Z'), entry('1.2.0', '2026-02-01T00:00:00Z')];
    expect(chartVersionSince(history, '1.2.0')).toBe('2026-03-04T00:00:00Z');
  });

  it('is null without history, or when the deployed version is not the newest entry', () => {
    expect(chartVersionSince([], '1.0.0')).toBeNull();
    expect(chartVersionSince([entry('1.1.0', '2026-03-01T00:00:00Z')], '1.0.0')).toBeNull();
    expect(chartVersionSince([entry('1.0.0', '2026-03-01T00:00:00Z')], null)).toBeNull();
  });
});
