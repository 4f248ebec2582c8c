import { PipelineApiError } from '../errors.js';
import type { TokenAuthenticator } from '../cluster/access/token-authenticator.js';
import type { Identity } from '../cluster/reader.js';
import type { Authentication, Authenticator } from './auth-plugin.js';

const REALM = 'Bearer realm="flux-pipelines-api"';
/** RFC 6750's b64token: what a bearer token may look like. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * `--auth token`: `Authorization: Bearer <token>`, checked by a TokenReview (cached by
 * the token's hash). Nothing in here logs or returns the token.
 */
export function bearerAuthenticator(tokens: TokenAuthenticator): Authenticator {
  return {
    async authenticate(request): Promise<Authentication> {
      const header = request.headers.get('authorization');
      if (header === null || header.trim() === '') {
        return refused('No bearer token: send the header "Authorization: Bearer <token>".', 'no bearer token', REALM);
      }
      const match = BEARER.exec(header);
      if (!match) {
        return refused('The Authorization header is not "Bearer <token>".', 'malformed Authorization header', `${REALM}, error="invalid_request"`);
      }
      try {
        const token = match[1]!;
        const identity = await tokens.authenticate(token);
        if (identity) {
          // Held only in this closure, for as long as the request lives. The same user with
          // other groups is another caller: the stream's reviews still ask with the old groups.
          const recheck = async (minRemainingMs = 0) => sameCaller(await tokens.authenticate(token, minRemainingMs), identity);
          return { identity, recheck };
        }
        return refused('The bearer token was not accepted by the Kubernetes API server (unknown, expired or revoked).', 'token rejected by TokenReview', `${REALM}, error="invalid_token"`);
      } catch (error) {
        const message = error instanceof PipelineApiError ? error.message : 'Could not verify the bearer token; try again later.';
        return { refused: { status: 503, code: 'KUBERNETES_UNAVAILABLE', message, reason: 'TokenReview failed' } };
      }
    },
  };
}

function refused(message: string, reason: string, challenge: string): Authentication {
  return { refused: { status: 401, code: 'UNAUTHENTICATED', message, reason, challenge } };
}

function sameCaller(now: Identity | null, then: Identity): boolean {
  const groups = (identity: Identity) => JSON.stringify([...new Set(identity.groups)].sort());
  return now !== null && now.user === then.user && groups(now) === groups(then);
}
