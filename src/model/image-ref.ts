/**
 * A container image reference split the way container runtimes read it:
 * `[registry[:port]/]path[:tag][@algorithm:hex]`. The tag is only what follows
 * the last ':' after the last '/', so a registry port is never taken for a tag.
 */
export interface ImageRef {
  reference: string;
  repository: string;
  tag: string | null;
  digest: string | null;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[A-Fa-f0-9]{32,}$/;

export function parseImageRef(reference: string): ImageRef {
  const trimmed = reference.trim();
  let rest = trimmed;
  let digest: string | null = null;

  const at = rest.indexOf('@');
  if (at >= 0) {
    const candidate = rest.slice(at + 1);
    if (DIGEST.test(candidate)) digest = candidate;
    rest = rest.slice(0, at);
  }

  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    const candidate = rest.slice(colon + 1);
    if (TAG.test(candidate)) {
      tag = candidate;
      rest = rest.slice(0, colon);
    }
  }

  return { reference: trimmed, repository: rest, tag, digest };
}

/**
 * A repository as the runtime resolves it, so that "nginx", "library/nginx" and
 * "docker.io/library/nginx" are one repository: Docker Hub is the default registry,
 * "library/" its default path, and registry host names are case-insensitive.
 */
export function canonicalRepository(repository: string): string {
  const parts = repository.split('/');
  const first = parts[0] ?? '';
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) return parts.length === 1 ? `docker.io/library/${repository}` : `docker.io/${repository}`;
  const host = first.toLowerCase() === 'index.docker.io' ? 'docker.io' : first.toLowerCase();
  const path = parts.slice(1).join('/');
  return host === 'docker.io' && parts.length === 2 ? `docker.io/library/${path}` : `${host}/${path}`;
}

/**
 * Whether an image runs what a query names: the same repository, and, when the query
 * names a tag or a digest, that tag or digest too. A bare repository matches any tag or digest.
 */
export function imageMatches(image: ImageRef, query: ImageRef): boolean {
  if (canonicalRepository(image.repository) !== canonicalRepository(query.repository)) return false;
  if (query.digest !== null) return image.digest === query.digest;
  if (query.tag !== null) return image.tag === query.tag;
  return true;
}
