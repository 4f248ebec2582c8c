// A subscription asks again, before each event, whether its bearer token still
// authenticates the caller it was opened for (auth-token.ts's recheck). The stream keeps
// the identity it started with, and every access review and cached answer is keyed by
// user AND groups: a token now answered with other groups is not that caller any more.
import { describe, expect, it } from 'vitest';
import { TokenAuthenticator } from '../src/cluster/access/token-authenticator.js';
import { bearerAuthenticator } from '../src/server/auth-token.js';
import { FakeAccessReviewer } from './support/fake-access-reviewer.js';

const TOKEN = 'dave-token.mno';

async function opened(ttlMs: number) {
  const clock = { now: Date.parse('2026-11-26T10:00:00Z') };
  const reviewer = new FakeAccessReviewer();
  reviewer.tokens.set(TOKEN, { user: 'dave', groups: ['team-a', 'system:authenticated'] });
  const authenticator = bearerAuthenticator(new TokenAuthenticator(reviewer, { ttlMs, now: () => clock.now }));
  const request = new Request('http://127.0.0.1/graphql', { headers: { authorization: `Bearer ${TOKEN}` } });
  const result = await authenticator.authenticate(request, '127.0.0.1');
  if (!('identity' in result) || !result.recheck) throw new Error('expected an authenticated caller with a recheck');
  return { clock, reviewer, recheck: result.recheck };
}

describe('bearer token recheck (long-lived requests)', () => {
  it('holds while the token answers with the same user and groups, in any order', async () => {
    const h = await opened(1_000);
    h.reviewer.tokens.set(TOKEN, { user: 'dave', groups: ['system:authenticated', 'team-a'] });
    h.clock.now += 1_001;
    expect(await h.recheck()).toBe(true);
  });

  it('fails once the token answers with other groups (a group membership removed)', async () => {
    const h = await opened(1_000);
    h.reviewer.tokens.set(TOKEN, { user: 'dave', groups: ['system:authenticated'] });
    h.clock.now += 1_001;
    expect(await h.recheck()).toBe(false);
  });

  it('fails once the token is no longer accepted', async () => {
    const h = await opened(1_000);
    h.reviewer.tokens.delete(TOKEN);
    h.clock.now += 1_001;
    expect(await h.recheck()).toBe(false);
  });
});
