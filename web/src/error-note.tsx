import type { ApiError } from './api';

/** Errors shown where they happened, with the server's code (e.g. FORBIDDEN, RELEASE_NOT_FOUND). */
export function ErrorNote({ title, errors }: { title: string; errors: Pick<ApiError, 'message' | 'extensions'>[] }) {
  return (
    <div class="error-note" role="note">
      <p class="error-title">
        <span aria-hidden="true">⚠ </span>
        {title}
      </p>
      <ul>
        {errors.map((e, i) => (
          <li key={i}>
            {e.extensions?.code && <code class="code">{e.extensions.code}</code>} {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
