import type { ApiError } from './api';
import { ErrorNote } from './error-note';
import type { PipelineViewFragment } from './gql/graphql';
import { HEALTH, HealthPill } from './status';

type Release = NonNullable<NonNullable<PipelineViewFragment['stages'][number]['releases']>[number]>;
type Workload = NonNullable<Release['workloads']>[number];

function imageLabel(image: Workload['images'][number]): string {
  const short = image.repository.split('/').pop() ?? image.repository;
  if (image.tag) return `${short}:${image.tag}`;
  if (image.digest) return `${short}@${image.digest.slice(0, 19)}…`;
  return `${short} (no tag)`;
}

/** A Kustomization's revision is "<ref>@sha1:<40 hex>": the first 12 hex digits tell commits apart. */
function shortVersion(version: string): string {
  const m = /^(.*@\w+:)([0-9a-f]{12})[0-9a-f]{28,}$/.exec(version);
  return m ? `${m[1]}${m[2]}…` : version;
}

/** One Kustomization or HelmRelease: status, versions, and the workloads it runs. */
export function ReleaseCard({ release, workloadErrors }: { release: Release; workloadErrors: ApiError[] }) {
  const helm = release.__typename === 'HelmRelease' ? release : null;
  const drifted = helm && helm.desiredChartVersion && helm.chartVersion && helm.desiredChartVersion !== helm.chartVersion;
  return (
    <article class={`card card-${HEALTH[release.health].className}`} aria-label={`${release.kind} ${release.name}`} data-release={`${release.kind}/${release.name}`}>
      <header class="card-head">
        <p class="kind">{release.kind}</p>
        <h3>{release.name}</h3>
        <HealthPill health={release.health} reason={release.healthReason.message} />
      </header>
      <dl class="card-facts">
        <div>
          <dt>Version</dt>
          <dd class="version" title={release.version ?? undefined}>
            {release.version ? shortVersion(release.version) : '—'}
          </dd>
        </div>
        {helm && (
          <div>
            <dt>Chart</dt>
            <dd>
              {helm.chartName ?? '—'} <span class="chart-deployed">{helm.chartVersion ?? '—'}</span>
              {helm.desiredChartVersion && (
                <span class={drifted ? 'chart-desired differs' : 'chart-desired'}>
                  {' '}
                  (desired {helm.desiredChartVersion})
                </span>
              )}
            </dd>
          </div>
        )}
        {release.suspended && (
          <div>
            <dt>Reconciliation</dt>
            <dd>suspended</dd>
          </div>
        )}
        {release.health !== 'HEALTHY' && (
          <div class="message">
            <dt>Why</dt>
            <dd>{release.healthReason.message}</dd>
          </div>
        )}
      </dl>
      {release.workloads === null ? (
        <ErrorNote title="Its workloads could not be read" errors={workloadErrors.length ? workloadErrors : [{ message: 'Workloads are not available.' }]} />
      ) : release.workloads.length > 0 ? (
        <ul class="workloads" aria-label={`Workloads of ${release.name}`}>
          {release.workloads.map((w) => (
            <li key={w.id}>
              <span class="workload-name">
                {w.kind} {w.name}
              </span>{' '}
              <span class={w.readyReplicas < w.replicas ? 'replicas short' : 'replicas'}>
                {w.readyReplicas}/{w.replicas} ready
              </span>
              <ul class="images">
                {w.images.map((image) => (
                  <li key={image.id} title={`${image.container}${image.init ? ' (init)' : ''}: ${image.repository}`}>
                    <code>{imageLabel(image)}</code>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      ) : (
        <p class="empty">No workloads.</p>
      )}
    </article>
  );
}
