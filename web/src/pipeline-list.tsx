import { useMemo } from 'preact/hooks';
import { ErrorNote } from './error-note';
import type { Approach, PipelineListQuery as Result } from './gql/graphql';
import { PipelineListQuery } from './queries';
import { APPROACHES, navigate, pipelineHref } from './router';
import { HealthPill } from './status';
import { useQuery } from './use-query';

type Row = NonNullable<Result['pipelines'][number]>;

/** Every pipeline of every approach, filterable; the filter lives in the address, so it can be shared. */
export function PipelineList({ search, onUnauthenticated }: { search: URLSearchParams; onUnauthenticated: (m: string) => void }) {
  const state = useQuery(PipelineListQuery, {}, onUnauthenticated);
  const text = search.get('q') ?? '';
  const approach = (search.get('approach') ?? '') as Approach | '';
  const setFilter = (key: 'q' | 'approach', value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    const query = next.toString();
    navigate(query ? `/?${query}` : '/', true);
  };

  const rows = useMemo(() => {
    if (state.status !== 'done') return [];
    const needle = text.trim().toLowerCase();
    return state.result.data?.pipelines
      .filter((p): p is Row => p !== null)
      .filter((p) => (!approach || p.approach === approach) && (!needle || `${p.namespace}/${p.name}`.toLowerCase().includes(needle)))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) || a.approach.localeCompare(b.approach)) ?? [];
  }, [state, text, approach]);

  return (
    <section aria-labelledby="list-title">
      <h1 id="list-title">Pipelines</h1>
      <form class="filters" role="search" aria-label="Filter pipelines" onSubmit={(e) => e.preventDefault()}>
        <label>
          Name or namespace
          <input type="search" value={text} onInput={(e) => setFilter('q', e.currentTarget.value)} placeholder="e.g. example" />
        </label>
        <label>
          Approach
          <select value={approach} onChange={(e) => setFilter('approach', e.currentTarget.value)}>
            <option value="">All approaches</option>
            {APPROACHES.map((a) => (
              <option value={a} key={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
      </form>
      {state.status === 'loading' && <p aria-live="polite">Loading pipelines…</p>}
      {state.status === 'failed' && <ErrorNote title="The pipelines could not be loaded" errors={[{ message: state.message }]} />}
      {state.status === 'done' && (
        <>
          {state.result.errors.length > 0 && <ErrorNote title="Some definitions could not be read; the others are listed" errors={state.result.errors} />}
          <table class="pipelines">
            <caption class="visually-hidden">Pipelines, {rows.length} shown</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Namespace</th>
                <th scope="col">Approach</th>
                <th scope="col">Health</th>
                <th scope="col">Stages</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => {
                return (
                  <tr key={p.id} data-pipeline={`${p.approach}/${p.namespace}/${p.name}`}>
                    <th scope="row">
                      <a href={pipelineHref(p)}>{p.name}</a>
                    </th>
                    <td>{p.namespace}</td>
                    <td>
                      <span class="approach">{p.approach}</span>
                    </td>
                    <td>
                      <HealthPill health={p.health} reason={p.healthReason.message} />
                    </td>
                    <td class="num">{p.stages.length}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows.length === 0 && <p>No pipeline matches this filter.</p>}
        </>
      )}
    </section>
  );
}
