import { useEffect, useState } from 'preact/hooks';
import type { Approach } from './gql/graphql';

export const APPROACHES: Approach[] = ['HYBRID', 'CRD', 'STAGE', 'CM'];

export type Route =
  | { page: 'list'; search: URLSearchParams }
  | { page: 'pipeline'; approach: Approach; namespace: string; name: string }
  | { page: 'not-found' };

/** A pipeline's own address: /pipelines/<approach>/<namespace>/<name>, stable across restarts. */
export function pipelineHref(p: { approach: Approach; namespace: string; name: string }): string {
  return `/pipelines/${p.approach.toLowerCase()}/${encodeURIComponent(p.namespace)}/${encodeURIComponent(p.name)}`;
}

export function parseRoute(location: Location): Route {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/pipelines') return { page: 'list', search: new URLSearchParams(location.search) };
  const m = /^\/pipelines\/([a-z]+)\/([^/]+)\/([^/]+)$/.exec(path);
  const approach = m?.[1]?.toUpperCase() as Approach | undefined;
  if (!m || !approach || !APPROACHES.includes(approach)) return { page: 'not-found' };
  return { page: 'pipeline', approach, namespace: decodeURIComponent(m[2]!), name: decodeURIComponent(m[3]!) };
}

export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** Follows the address bar; same-origin links navigate without reloading the page. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location));
    const click = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = (event.target as Element | null)?.closest?.('a');
      if (!link || link.target || link.hasAttribute('download') || link.origin !== location.origin) return;
      if (link.pathname !== '/' && !link.pathname.startsWith('/pipelines')) return;
      event.preventDefault();
      navigate(link.pathname + link.search);
    };
    addEventListener('popstate', update);
    document.addEventListener('click', click);
    return () => {
      removeEventListener('popstate', update);
      document.removeEventListener('click', click);
    };
  }, []);
  return route;
}
