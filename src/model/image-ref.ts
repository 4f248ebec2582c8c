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
