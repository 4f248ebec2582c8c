import { describe, expect, it } from 'vitest';
import { canonicalRepository, imageMatches, parseImageRef } from './image-ref.js';

describe('parseImageRef', () => {
  it.each([
    ['ghcr.io/stefanprodan/podinfo:6.1.8', 'ghcr.io/stefanprodan/podinfo', '6.1.8', null],
    ['nginx', 'nginx', null, null],
    ['library/nginx:1.27-alpine', 'library/nginx', '1.27-alpine', null],
    ['registry.local:5000/app:1.2', 'registry.local:5000/app', '1.2', null],
    ['registry.local:5000/app', 'registry.local:5000/app', null, null],
    ['localhost:5000/team/app', 'localhost:5000/team/app', null, null],
    [
      'app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      'app',
      null,
      'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    ],
    [
      'host:5000/app:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      'host:5000/app',
      '1.2',
      'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    ],
  ])('%s', (reference, repository, tag, digest) => {
    expect(parseImageRef(reference)).toEqual({ reference, repository, tag, digest });
  });

  it('trims surrounding whitespace from the reference', () => {
    expect(parseImageRef('  app:1.0 \n')).toEqual({ reference: 'app:1.0', repository: 'app', tag: '1.0', digest: null });
  });

  it('keeps what is not a valid tag in the repository', () => {
    expect(parseImageRef('app:-bad')).toEqual({ reference: 'app:-bad', repository: 'app:-bad', tag: null, digest: null });
  });

  it('reads a digest at the very start (no repository)', () => {
    const digest = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    expect(parseImageRef(`@${digest}`)).toEqual({ reference: `@${digest}`, repository: '', tag: null, digest });
  });

  it('does not read the part after a registry port as a tag when the path has no tag', () => {
    // The POC's split(":")[1] would have answered "5000/app".
    expect(parseImageRef('host:5000/app').tag).toBeNull();
  });

  it('keeps a malformed digest out of the digest field', () => {
    const ref = parseImageRef('app@sha256:nothex');
    expect(ref.digest).toBeNull();
    expect(ref.repository).toBe('app');
  });
});

describe('canonicalRepository and imageMatches', () => {
  it('treats Docker Hub short names as the runtime does', () => {
    expect(canonicalRepository('nginx')).toBe('docker.io/library/nginx');
    expect(canonicalRepository('library/nginx')).toBe('docker.io/library/nginx');
    expect(canonicalRepository('index.docker.io/nginx')).toBe('docker.io/library/nginx');
    expect(canonicalRepository('GHCR.io/team/app')).toBe('ghcr.io/team/app');
    expect(canonicalRepository('localhost/app')).toBe('localhost/app');
  });

  it('matches any tag for a bare repository, only that tag or digest otherwise', () => {
    const running = parseImageRef('ghcr.io/stefanprodan/podinfo:6.1.8');
    expect(imageMatches(running, parseImageRef('ghcr.io/stefanprodan/podinfo'))).toBe(true);
    expect(imageMatches(running, parseImageRef('ghcr.io/stefanprodan/podinfo:6.1.8'))).toBe(true);
    expect(imageMatches(running, parseImageRef('ghcr.io/stefanprodan/podinfo:6.1.7'))).toBe(false);
    expect(imageMatches(running, parseImageRef('ghcr.io/stefanprodan/podinfo-2'))).toBe(false);
    expect(imageMatches(parseImageRef('nginx:1.27'), parseImageRef('docker.io/library/nginx'))).toBe(true);
  });
});
