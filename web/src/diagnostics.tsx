import { errorsAt, type ApiError } from './api';
import { ErrorNote } from './error-note';
import type { DiagnosticSeverity, PipelineViewFragment } from './gql/graphql';

const SEVERITY: Record<DiagnosticSeverity, { icon: string; label: string }> = {
  ERROR: { icon: '✕', label: 'Error' },
  WARNING: { icon: '⚠', label: 'Warning' },
  INFO: { icon: 'ℹ', label: 'Info' },
};

/** Why releases are in or out of the pipeline, as the server finds it. */
export function Diagnostics({ diagnostics, errors }: { diagnostics: PipelineViewFragment['diagnostics']; errors: ApiError[] }) {
  return (
    <section class="diagnostics" aria-labelledby="diagnostics-title">
      <h2 id="diagnostics-title">Diagnostics</h2>
      {diagnostics.length === 0 ? (
        <p class="empty">No findings: every release is where the definition puts it.</p>
      ) : (
        <ul>
          {diagnostics.map((d, i) =>
            d === null ? (
              <li key={i}>
                <ErrorNote title="A check could not be made" errors={errorsAt(errors, ['pipeline', 'diagnostics', i])} />
              </li>
            ) : (
              <li key={i} class={`diagnostic diagnostic-${d.severity.toLowerCase()}`} data-code={d.code}>
                <span class="severity">
                  <span aria-hidden="true">{SEVERITY[d.severity].icon} </span>
                  {SEVERITY[d.severity].label}
                </span>{' '}
                <code>{d.code}</code> {d.stage && <span class="diagnostic-stage">stage {d.stage.name}: </span>}
                {d.message}
              </li>
            ),
          )}
        </ul>
      )}
    </section>
  );
}
