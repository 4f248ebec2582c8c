import { BlockList, isIP } from 'node:net';
import type { TrustedNetwork } from '../config.js';
import type { Authentication, Authenticator } from './auth-plugin.js';

const AUTHENTICATED = 'system:authenticated';

export interface ProxyAuthOptions {
  trusted: TrustedNetwork[];
  userHeader: string;
  groupsHeader: string;
}

/**
 * `--auth proxy`: an authenticating proxy (oauth2-proxy and the like) in front of the
 * service says who the user is in headers. Anyone could send those headers, so they are
 * believed only on connections from the configured proxy addresses; every other
 * connection is refused, with or without them.
 */
export function proxyAuthenticator({ trusted, userHeader, groupsHeader }: ProxyAuthOptions): Authenticator {
  const proxies = new BlockList();
  for (const network of trusted) proxies.addSubnet(network.address, network.prefix, network.family);
  return {
    async authenticate(request, peer): Promise<Authentication> {
      const address = peer === undefined ? undefined : unmapped(peer);
      const family = address === undefined ? 0 : isIP(address);
      if (address === undefined || family === 0 || !proxies.check(address, family === 4 ? 'ipv4' : 'ipv6')) {
        return refused('Requests must come through the authenticating proxy.', `untrusted peer ${peer ?? 'unknown'}`);
      }
      const user = request.headers.get(userHeader)?.trim();
      if (!user) return refused('The authenticating proxy did not say who the user is.', `no ${userHeader} header from the proxy`);
      const named = (request.headers.get(groupsHeader) ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean);
      // As the API server does for every user it authenticates (its own request-header proxy
      // included), so grants to all authenticated users apply here too.
      const groups = [...new Set([...named, AUTHENTICATED])];
      return { identity: { user, groups } };
    },
  };
}

/** "::ffff:10.0.0.1" (an IPv4 client on a dual-stack socket) → "10.0.0.1". */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1]! : address;
}

function refused(message: string, reason: string): Authentication {
  return { refused: { status: 401, code: 'UNAUTHENTICATED', message, reason } };
}
