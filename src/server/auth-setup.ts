import type { Logger } from 'pino';
import { AccessPolicy } from '../cluster/access/access-policy.js';
import type { AccessReviewer } from '../cluster/access/access-reviewer.js';
import { createAccessReviewer } from '../cluster/access/create-access.js';
import { TokenAuthenticator } from '../cluster/access/token-authenticator.js';
import { isLoopbackHost, type AuthConfig, type SourceConfig } from '../config.js';
import type { AppAccess } from './create-app.js';
import { proxyAuthenticator } from './auth-proxy.js';
import { bearerAuthenticator } from './auth-token.js';

/** Per-user access for an app, from `--auth` and a reviewer (the API server's, or a test's). */
export function appAccess(auth: Exclude<AuthConfig, { mode: 'none' }>, reviewer: AccessReviewer, now?: () => number): AppAccess {
  const policy = new AccessPolicy(reviewer, { ttlMs: auth.cacheTtlMs, now });
  if (auth.mode === 'token') {
    return {
      policy,
      authenticator: bearerAuthenticator(new TokenAuthenticator(reviewer, { ttlMs: auth.cacheTtlMs, now })),
      graphiqlHeaders: { Authorization: 'Bearer PASTE-A-TOKEN-HERE (e.g. from: kubectl create token NAME -n NAMESPACE)' },
    };
  }
  return { policy, authenticator: proxyAuthenticator(auth) };
}

/**
 * What `--auth` means for the server at start-up: the access control to give the app
 * (none for `--auth none`), and a warning when everyone who can reach the port would
 * read the cluster with the service's own rights.
 */
export async function accessFromConfig(
  config: { auth: AuthConfig; source: SourceConfig; host: string },
  logger: Logger,
): Promise<AppAccess | undefined> {
  const { auth, source, host } = config;
  if (auth.mode === 'none') {
    if (source.type === 'kube' && !isLoopbackHost(host)) {
      logger.warn(
        { auth: 'none', host },
        `--auth none with --source kube on ${host}: anyone who can reach this port reads everything the service account can; use --auth token or --auth proxy`,
      );
    }
    return undefined;
  }
  const access = appAccess(auth, await createAccessReviewer(source));
  logger.info({ auth: auth.mode, cacheTtlMs: auth.cacheTtlMs }, `per-user access: ${auth.mode}; reviews are trusted for ${auth.cacheTtlMs} ms`);
  return access;
}
