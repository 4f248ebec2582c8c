import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Identity } from '../cluster/reader.js';
import { requestIdOf } from './request-id.js';

/** Why a request was not let in; the message goes to the caller, the reason only to the log. */
export interface Refusal {
  status: 401 | 503;
  code: 'UNAUTHENTICATED' | 'KUBERNETES_UNAVAILABLE';
  message: string;
  /** A short, secret-free reason for the log ("no bearer token", "untrusted peer 10.1.2.3"). */
  reason: string;
  /** The WWW-Authenticate header to send with a 401. */
  challenge?: string;
}

/**
 * A caller let in. `recheck` asks again whether the same credentials still authenticate
 * the same user (cached like the first check, but only an answer with at least
 * `minRemainingMs` left is reused): for long-lived requests (subscriptions).
 */
export type Authentication = { identity: Identity; recheck?: (minRemainingMs?: number) => Promise<boolean> } | { refused: Refusal };

/**
 * Turns a request into a caller. `peer` is the address the connection came from
 * (undefined when unknown, which no mode trusts). Never rejects: failures are refusals.
 */
export interface Authenticator {
  authenticate(request: Request, peer: string | undefined): Promise<Authentication>;
}

const identities = new WeakMap<Request, { identity: Identity; recheck?: (minRemainingMs?: number) => Promise<boolean> }>();

/** The caller the authentication plugin let in (undefined with `--auth none`, or before it ran). */
export function identityOf(request: Request): Identity | undefined {
  return identities.get(request)?.identity;
}

/**
 * Whether the request's caller is still authenticated (a ServiceAccount deleted, a token
 * expired since the request began: false). Always true with `--auth none`, and for a proxy's
 * caller (the proxy vouched for the connection). Rejects when the check cannot be made.
 * A cached answer counts only while it has `minRemainingMs` left.
 */
export function stillAuthenticated(request: Request, minRemainingMs = 0): Promise<boolean> {
  return identities.get(request)?.recheck?.(minRemainingMs) ?? Promise.resolve(true);
}

/** The remote address of the connection, when Yoga is served by node:http. */
function peerOf(serverContext: unknown): string | undefined {
  return (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket?.remoteAddress;
}

/**
 * Authentication before anything else GraphQL does (parsing included): a request
 * without an accepted caller ends here with 401 (or 503 when the check itself could not
 * be made) and no data. GraphiQL's page is served before this runs: it holds no data,
 * and a browser needs it to send a token from its Headers tab.
 */
export function useAuthentication(authenticator: Authenticator, logger: Logger): Plugin {
  return {
    onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const requestId = requestIdOf(request);
      // Errors thrown from onRequest are not caught by the HTTP server: none may escape.
      return authenticator.authenticate(request, peerOf(serverContext)).then(
        (result) => {
          if ('identity' in result) {
            identities.set(request, { identity: result.identity, recheck: result.recheck });
            logger.debug({ requestId, user: result.identity.user }, 'authenticated');
            return;
          }
          endResponse(refusalResponse(fetchAPI, result.refused, requestId));
          const level = result.refused.status === 503 ? 'warn' : 'info';
          logger[level]({ requestId, reason: result.refused.reason }, 'request not authenticated');
        },
        (error: unknown) => {
          logger.error({ requestId, err: error }, 'authentication failed unexpectedly');
          const refusal: Refusal = { status: 503, code: 'KUBERNETES_UNAVAILABLE', message: 'The caller could not be authenticated; try again later.', reason: 'unexpected' };
          endResponse(refusalResponse(fetchAPI, refusal, requestId));
        },
      );
    },
  };
}

function refusalResponse(fetchAPI: { Response: typeof Response }, refusal: Refusal, requestId: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (refusal.challenge) headers['www-authenticate'] = refusal.challenge;
  const body = { errors: [{ message: refusal.message, extensions: { code: refusal.code, requestId } }] };
  return new fetchAPI.Response(JSON.stringify(body), { status: refusal.status, headers });
}
