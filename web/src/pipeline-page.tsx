import { errorsAt, type ApiError } from './api';
import { ErrorNote } from './error-note';
import type { Approach, PipelineViewFragment } from './gql/graphql';
import { LiveState } from './live-state';
import { useSubscription, type Connection } from './live';
import { PipelineLiveSubscription } from './queries';
import { Diagnostics } from './diagnostics';
import { ReleaseCard } from './release-card';
import { HEALTH, HealthPill } from './status';

type Stage = PipelineViewFragment['stages'][number];

interface Props {
  approach: Approach;
  namespace: string;
  name: string;
  onUnauthenticated: (message: string) => void;
}

/** One pipeline, live: its stages as columns in order, each stage's releases as cards. */
export function PipelinePage({ approach, namespace, name, onUnauthenticated }: Props) {
  const { connection, result } = useSubscription(PipelineLiveSubscription, { approach, namespace, name }, onUnauthenticated);
  const title = `${namespace}/${name}`;
  if (!result) {
    if (connection.state === 'failed') return <Failed title={title} errors={[{ message: connection.message }]} />;
    return (
      <section aria-labelledby="pipeline-title">
        <h1 id="pipeline-title">{title}</h1>
        <p aria-live="polite">Connecting…</p>
      </section>
    );
  }
  const pipeline = result.data?.pipeline;
  // The last event is null, with its error, when the pipeline went away or became unreadable.
  if (!pipeline) return <Failed title={title} errors={result.errors} />;
  return <PipelineView pipeline={pipeline} errors={result.errors} connection={connection} />;
}

function Failed({ title, errors }: { title: string; errors: Pick<ApiError, 'message' | 'extensions'>[] }) {
  return (
    <section aria-labelledby="pipeline-title">
      <p class="crumbs">
        <a href="/">All pipelines</a>
      </p>
      <h1 id="pipeline-title">{title}</h1>
      <ErrorNote title="This pipeline could not be shown" errors={errors} />
    </section>
  );
}

export function PipelineView({ pipeline, errors, connection }: { pipeline: PipelineViewFragment; errors: ApiError[]; connection: Connection }) {
  const base = ['pipeline', 'stages'];
  const at = (path: (string | number)[]) => errorsAt(errors, path);
  const columns = pipeline.stages.map((stage, i) => (
    <StageColumn key={stage.id} stage={stage} upstream={pipeline.stages[i - 1]} path={[...base, i]} at={at} />
  ));
  // Errors of a stage, a release, its workloads, a stage's comparison with its upstream or a
  // diagnostic are drawn in place; any other one goes on top.
  const elsewhere = errors.filter(
    (e) => !/^pipeline\.(stages\.\d+\.(releases(\.\d+(\.workloads)?)?|behind)|diagnostics\.\d+)$/.test((e.path ?? []).join('.')),
  );
  return (
    <section aria-labelledby="pipeline-title" class="pipeline">
      <p class="crumbs">
        <a href="/">All pipelines</a>
      </p>
      <div class="pipeline-head">
        <h1 id="pipeline-title">{pipeline.name}</h1>
        <HealthPill health={pipeline.health} reason={pipeline.healthReason.message} />
        <LiveState connection={connection} freshness={pipeline.freshness} />
        <dl class="facts">
          <div>
            <dt>Approach</dt>
            <dd>{pipeline.approach}</dd>
          </div>
          <div>
            <dt>Namespace</dt>
            <dd>{pipeline.namespace}</dd>
          </div>
          <div>
            <dt>Defined by</dt>
            <dd>
              {pipeline.definedBy.kind} {pipeline.definedBy.namespace}/{pipeline.definedBy.name}
            </dd>
          </div>
        </dl>
      </div>
      {elsewhere.length > 0 && <ErrorNote title="Errors" errors={elsewhere} />}
      <div class="stages-scroll" tabIndex={0} role="region" aria-label={`Stages of ${pipeline.name}, in order`}>
        <ol class="stages">{columns}</ol>
      </div>
      <Diagnostics diagnostics={pipeline.diagnostics} errors={errors} />
    </section>
  );
}

/** Between a stage and the one before it: what this stage runs at a lower version (a pending promotion). */
function Behind({ stage, upstream, errors }: { stage: Stage; upstream: Stage; errors: ApiError[] }) {
  const label = `Behind ${upstream.name}`;
  return (
    <section class="behind" aria-label={`${stage.name}: behind ${upstream.name}`} data-behind={stage.name}>
      <p class="behind-title">
        <span aria-hidden="true">→ </span>
        {label}
      </p>
      {stage.behind === null ? (
        <ErrorNote title="Cannot compare" errors={errors.length ? errors : [{ message: 'One of the two stages could not be read completely.' }]} />
      ) : stage.behind.length === 0 ? (
        <p class="behind-none">nothing</p>
      ) : (
        <ul>
          {stage.behind.map((d) => (
            <li key={d.key}>
              <span class="behind-name">
                {d.type === 'CHART' ? 'chart' : 'image'} {d.name}
              </span>{' '}
              <span class="behind-versions">
                {d.downstreamVersion ?? '—'}{' '}
                <span class="behind-up">
                  ({upstream.name}: {d.upstreamVersion ?? '—'})
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function StageColumn({ stage, upstream, path, at }: { stage: Stage; upstream: Stage | undefined; path: (string | number)[]; at: (path: (string | number)[]) => ApiError[] }) {
  const stageErrors = at([...path, 'releases']);
  const headingId = `stage-${stage.id.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  return (
    <li class={`stage-slot${upstream ? '' : ' first'}`} data-stage-slot={stage.name}>
      {upstream && <Behind stage={stage} upstream={upstream} errors={at([...path, 'behind'])} />}
      <div class={`stage stage-${HEALTH[stage.health].className}`} role="group" aria-labelledby={headingId} data-stage={stage.name}>
        <h2 id={headingId}>
          <span class="order">{stage.order}.</span> {stage.name}
        </h2>
        <HealthPill health={stage.health} reason={stage.healthReason.message} />
        <p class="stage-meta">
          namespace <code>{stage.namespace}</code>
          {stage.cluster && (
            <>
              {' '}
              · cluster <code>{stage.cluster}</code>
            </>
          )}
        </p>
        {stage.releases === null ? (
          <ErrorNote title="This stage could not be read" errors={stageErrors.length ? stageErrors : [{ message: 'No releases were returned for this stage.' }]} />
        ) : stage.releases.length === 0 ? (
          <p class="empty">No releases in this stage.</p>
        ) : (
          <ul class="releases">
            {stage.releases.map((release, j) => {
              const releasePath = [...path, 'releases', j];
              if (release === null) {
                const errs = at(releasePath);
                return (
                  <li key={`missing-${j}`} class="card card-error" data-release-error={errs[0]?.extensions?.code ?? 'unknown'}>
                    <ErrorNote title="This release could not be read" errors={errs.length ? errs : [{ message: 'This release could not be read.' }]} />
                  </li>
                );
              }
              return (
                <li key={release.id}>
                  <ReleaseCard release={release} workloadErrors={at([...releasePath, 'workloads'])} />
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </li>
  );
}
