import { useCallback, useState } from 'preact/hooks';
import { storedToken, storeToken } from './api';
import { PipelineList } from './pipeline-list';
import { PipelinePage } from './pipeline-page';
import { useRoute } from './router';
import { TokenPanel } from './token-panel';

export function App() {
  const route = useRoute();
  const [token, setToken] = useState(storedToken);
  // Set when the server answered 401: the page then asks for a token instead of drawing data.
  const [unauthenticated, setUnauthenticated] = useState<string | null>(null);
  const onUnauthenticated = useCallback((message: string) => setUnauthenticated(message), []);
  const saveToken = (value: string | null) => {
    storeToken(value);
    setToken(value);
    setUnauthenticated(null);
  };

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <nav aria-label="Site">
          <a class="brand" href="/">
            Flux pipelines
          </a>
          <a href="/graphql">GraphiQL</a>
        </nav>
        {token && !unauthenticated && <TokenPanel token={token} onSave={saveToken} compact />}
      </header>
      <main id="main" tabIndex={-1}>
        {unauthenticated ? (
          <section class="unauthenticated" aria-labelledby="auth-title" role="alert">
            <h1 id="auth-title">Sign in with a token</h1>
            <p>
              The server answered <strong>401 Unauthenticated</strong>: {unauthenticated}
            </p>
            <p>
              It runs with <code>--auth token</code>. Give a Kubernetes token it accepts (for example from{' '}
              <code>kubectl create token &lt;service-account&gt;</code>). It is kept in this tab's session storage only.
            </p>
            <TokenPanel token={token} onSave={saveToken} compact={false} />
          </section>
        ) : route.page === 'list' ? (
          <PipelineList key={`list:${token ?? ''}`} search={route.search} onUnauthenticated={onUnauthenticated} />
        ) : route.page === 'pipeline' ? (
          <PipelinePage
            key={`${route.approach}/${route.namespace}/${route.name}:${token ?? ''}`}
            approach={route.approach}
            namespace={route.namespace}
            name={route.name}
            onUnauthenticated={onUnauthenticated}
          />
        ) : (
          <section>
            <h1>Not found</h1>
            <p>
              There is no page at this address. <a href="/">All pipelines</a>
            </p>
          </section>
        )}
      </main>
    </>
  );
}
