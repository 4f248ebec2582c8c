import { describe, expect, it } from 'vitest';
import { compareVersions, stageDrift } from './drift.js';
import type { ComponentVersion } from './versions.js';

const chart = (version: string | null, name = 'podinfo'): ComponentVersion => ({
  key: `chart:${name}`, type: 'CHART', name, version, release: { kind: 'HelmRelease', namespace: 'x', name: 'r' },
  workload: null, container: null, repository: null, tag: null, digest: null, since: null, sinceSource: null,
});
const image = (tag: string | null, digest: string | null = null, workload = 'web', container = 'app'): ComponentVersion => ({
  ...chart(null),
  key: `image:Deployment/${workload}/${container}`, type: 'IMAGE', name: `Deployment/${workload}/${container}`,
  version: tag && digest ? `${tag}@${digest}` : (tag ?? digest), tag, digest, repository: 'ghcr.io/x/app', container,
});
const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);

describe('compareVersions', () => {
  it.each([
    [chart('6.1.8'), chart('6.1.7'), 'BEHIND'],
    [chart('6.1.7'), chart('6.1.8'), 'AHEAD'],
    [chart('1.10.0'), chart('1.9.0'), 'BEHIND'], // numeric, not lexical
    [chart('2.0.0'), chart('2.0.0-rc.1'), 'BEHIND'], // a pre-release precedes its release
    [image('v1.2.0'), image('v1.3.0'), 'AHEAD'],
    [image('latest'), image('stable'), 'DIFFERENT'], // not semver
    [image('6.1'), image('6.0'), 'DIFFERENT'], // two-part tags are not semver
    [image('1.0.0', D1), image('1.0.0', D2), 'DIFFERENT'], // digests decide
    [image(null, D1), image(null, D2), 'DIFFERENT'],
    [image('1.0.0'), image(null, D1), 'DIFFERENT'],
  ] as const)('case %#', (up, down, expected) => {
    expect(compareVersions(up, down)).toBe(expected);
  });

  it('sees no drift in equal versions, or in equal digests under different tags', () => {
    expect(compareVersions(chart('1.0.0'), chart('1.0.0'))).toBeNull();
    expect(compareVersions(image('1.0.0', D1), image('stable', D1))).toBeNull();
    expect(compareVersions(image(null), image(null))).toBeNull();
  });
});

describe('stageDrift', () => {
  it('lists only the components that differ, matched by key, with both versions', () => {
    const drift = stageDrift(
      { stage: 'dev', components: [chart('6.1.8'), image('6.1.8'), image('1.0.0', null, 'worker')] },
      { stage: 'staging', components: [chart('6.1.7'), image('6.1.7'), image('1.0.0', null, 'worker')] },
    );
    expect(drift.map((d) => [d.upstream, d.downstream, d.name, d.upstreamVersion, d.downstreamVersion, d.status])).toEqual([
      ['dev', 'staging', 'podinfo', '6.1.8', '6.1.7', 'BEHIND'],
      ['dev', 'staging', 'Deployment/web/app', '6.1.8', '6.1.7', 'BEHIND'],
    ]);
  });

  it('reports a component only in one of the two stages', () => {
    const drift = stageDrift({ stage: 'a', components: [chart('1.0.0', 'only-up')] }, { stage: 'b', components: [image('2.0.0', null, 'only-down')] });
    expect(drift.map((d) => [d.name, d.status, d.upstreamVersion, d.downstreamVersion])).toEqual([
      ['only-up', 'MISSING_DOWNSTREAM', '1.0.0', null],
      ['Deployment/only-down/app', 'MISSING_UPSTREAM', null, '2.0.0'],
    ]);
  });

  it('compares a component a stage runs twice as a set of versions', () => {
    const same = stageDrift({ stage: 'a', components: [chart('1.0.0'), chart('2.0.0')] }, { stage: 'b', components: [chart('2.0.0'), chart('1.0.0')] });
    expect(same).toEqual([]);
    const differs = stageDrift({ stage: 'a', components: [chart('1.0.0'), chart('2.0.0')] }, { stage: 'b', components: [chart('1.0.0')] });
    expect(differs).toMatchObject([{ status: 'DIFFERENT', upstreamVersion: '1.0.0, 2.0.0', downstreamVersion: '1.0.0' }]);
  });
});

describe('compareVersions, the edges', () => {
  it('calls semver against non-semver DIFFERENT either way round, and one release spelt two ways DIFFERENT', () => {
    expect(compareVersions(chart('1.0.0'), chart('latest'))).toBe('DIFFERENT');
    expect(compareVersions(chart('latest'), chart('1.0.0'))).toBe('DIFFERENT');
    expect(compareVersions(image('1.0.0'), image(null))).toBe('DIFFERENT');
    expect(compareVersions(image('v1.2.3'), image('1.2.3'))).toBe('DIFFERENT');
    expect(compareVersions(chart('v1.2.3'), chart('v1.2.4'))).toBe('AHEAD');
  });
});

describe('stageDrift, several releases of one key', () => {
  it('compares one against two as sets', () => {
    const drift = stageDrift({ stage: 'a', components: [chart('1.0.0')] }, { stage: 'b', components: [chart('1.0.0'), chart('2.0.0')] });
    expect(drift).toMatchObject([{ status: 'DIFFERENT', upstreamVersion: '1.0.0', downstreamVersion: '1.0.0, 2.0.0' }]);
  });

  it('shows a missing version as (unknown) for a chart and (untagged) for an image, and one shared version as itself', () => {
    const up = [chart(null), chart('1.0.0'), image(null), image('2.0'), chart(null, 'other'), chart(null, 'other')];
    const drift = stageDrift({ stage: 'a', components: up }, { stage: 'b', components: [] });
    expect(drift.map((d) => [d.key, d.status, d.upstreamVersion, d.downstreamVersion])).toEqual([
      ['chart:podinfo', 'MISSING_DOWNSTREAM', '(unknown), 1.0.0', null],
      ['image:Deployment/web/app', 'MISSING_DOWNSTREAM', '(untagged), 2.0', null],
      ['chart:other', 'MISSING_DOWNSTREAM', null, null],
    ]);
    const back = stageDrift({ stage: 'a', components: [] }, { stage: 'b', components: [image('1.0'), image('1.0')] });
    expect(back).toEqual([
      {
        upstream: 'a',
        downstream: 'b',
        key: 'image:Deployment/web/app',
        type: 'IMAGE',
        name: 'Deployment/web/app',
        upstreamVersion: null,
        downstreamVersion: '1.0',
        status: 'MISSING_UPSTREAM',
      },
    ]);
  });
});
