import { createHash } from 'node:crypto';
import { PipelineApiError } from '../../errors.js';
import type { Identity } from '../reader.js';
import type { AccessReviewer } from './access-reviewer.js';
import { TtlCache } from './ttl-cache.js';

const MAX_CACHED_TOKENS = 10_000;

export interface TokenAuthenticatorOptions {
  /** How long a TokenReview answer is trusted (never past the token's own expiry). */
  ttlMs: number;
  now?: () => number;
}

/**
 * Bearer token → identity, by TokenReview, so every token the cluster trusts works
 * (ServiceAccount tokens, OIDC, webhook). Answers are cached under a SHA-256 of the
 * token: the token itself is never kept, and never logged.
 */
export class TokenAuthenticator {
  private readonly answers: TtlCache<Identity | null>;
  private readonly now: () => number;

  constructor(
    private readonly reviewer: AccessReviewer,
    private readonly options: TokenAuthenticatorOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.answers = new TtlCache(MAX_CACHED_TOKENS, this.now);
  }

  /**
   * Who the token belongs to, or null when the API server does not accept it (unknown,
   * expired, revoked). Rejects with KUBERNETES_UNAVAILABLE when the review itself fails.
   * A remembered answer is used only while it has `minRemainingMs` left.
   */
  authenticate(token: string, minRemainingMs = 0): Promise<Identity | null> {
    const key = createHash('sha256').update(token).digest('base64url');
    return this.answers.get(key, async () => {
      let answer;
      try {
        answer = await this.reviewer.reviewToken(token);
      } catch {
        // Deliberately without the cause: a review's request and response both hold the token.
        throw new PipelineApiError('KUBERNETES_UNAVAILABLE', 'Could not verify the bearer token with the Kubernetes API server; try again later.');
      }
      const limit = this.now() + this.options.ttlMs;
      if (!answer.authenticated) return { value: null, expiresAt: answer.transient ? 0 : limit };
      const exp = jwtExpiry(token);
      return { value: answer.identity, expiresAt: exp === null ? limit : Math.min(limit, exp) };
    }, minRemainingMs);
  }
}

/** The `exp` claim of a JWT, in epoch milliseconds; null for any token that is not a readable JWT. */
export function jwtExpiry(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}
