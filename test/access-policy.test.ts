// Per-user access below the server (src/cluster/access/): the policy that decides, per
// (user, groups, kind, namespace), from SubjectAccessReviews remembered for the TTL; the
// reader decorator that asks it before every read; the bearer-token authenticator. The
// API server is faked at the AccessReviewer interface, the one place tests put a fake
// (the real reviewer, kube-access-reviewer.ts, runs in test/e2e/auth-access.test.ts).
import { describe, expect, it } from 'vitest';
import type { AccessReviewer, ListQuestion, TokenReviewAnswer } from '../src/cluster/access/access-reviewer.js';
import { AccessPolicy } from '../src/cluster/access/access-policy.js';
import { authorizingReader } from '../src/cluster/access/authorizing-reader.js';
import { jwtExpiry, TokenAuthenticator } from '../src/cluster/access/token-authenticator.js';
import type { KubeObject } from '../src/cluster/kube-object.js';
import type { ClusterReader, Freshness, Identity } from '../src/cluster/reader.js';
import { rejection } from './support/rejection.js';

const ALICE: Identity = { user: 'alice', groups: ['team-b', 'team-a', 'team-b'] };

/** Grants listed as "user kind-plural namespace" ('' namespace: cluster-wide). */
function reviewer(grants: string[], fail?: (q: ListQuestion) => boolean) {
  const questions: ListQuestion[] = [];
  const tokens: string[] = [];
  const answers = new Map<string, TokenReviewAnswer | Error>();
  const fake: AccessReviewer = {
    async mayList(question) {
      questions.push(question);
      if (fail?.(question)) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
      return grants.includes(`${question.identity.user} ${question.resource} ${question.namespace}`);
    },
    async reviewToken(token) {
      tokens.push(token);
      const answer = answers.get(token) ?? { authenticated: false, transient: false };
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { fake, questions, tokens, answers };
}

const obj = (namespace: string | undefined, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
});

describe('AccessPolicy', () => {
  it('asks one SubjectAccessReview per (user, groups, kind, namespace), groups deduplicated and sorted, and remembers it for the TTL', async () => {
    const clock = { now: 1_000 };
    const { fake, questions } = reviewer(['alice configmaps a']);
    const policy = new AccessPolicy(fake, { ttlMs: 100, now: () => clock.now });
    expect(policy.ttlMs).toBe(100);
    expect(await policy.mayList(ALICE, 'ConfigMap', 'a')).toBe(true);
    expect(await policy.mayList({ user: 'alice', groups: ['team-a', 'team-b'] }, 'ConfigMap', 'a')).toBe(true);
    expect(await policy.mayList(ALICE, 'ConfigMap', 'b')).toBe(false);
    expect(await policy.mayList(ALICE, 'Pipeline', 'a')).toBe(false);
    expect(await policy.mayList({ user: 'alice', groups: ['team-a'] }, 'ConfigMap', 'a')).toBe(true);
    expect(await policy.mayList({ user: 'bob', groups: ['team-a', 'team-b'] }, 'ConfigMap', 'a')).toBe(false);
    expect(questions).toEqual([
      { identity: { user: 'alice', groups: ['team-a', 'team-b'] }, group: '', resource: 'configmaps', namespace: 'a' },
      { identity: { user: 'alice', groups: ['team-a', 'team-b'] }, group: '', resource: 'configmaps', namespace: 'b' },
      { identity: { user: 'alice', groups: ['team-a', 'team-b'] }, group: 'wego.weave.works', resource: 'pipelines', namespace: 'a' },
      { identity: { user: 'alice', groups: ['team-a'] }, group: '', resource: 'configmaps', namespace: 'a' },
      { identity: { user: 'bob', groups: ['team-a', 'team-b'] }, group: '', resource: 'configmaps', namespace: 'a' },
    ]);
    clock.now = 1_099;
    await policy.mayList(ALICE, 'ConfigMap', 'a');
    expect(questions).toHaveLength(5);
    clock.now = 1_100;
    await policy.mayList(ALICE, 'ConfigMap', 'a');
    expect(questions).toHaveLength(6);
  });

  it('keeps a user name and groups apart in its keys: no name can forge another caller\'s decision', async () => {
    const { fake, questions } = reviewer(['a,b configmaps x']);
    const policy = new AccessPolicy(fake, { ttlMs: 1_000, now: () => 0 });
    expect(await policy.mayList({ user: 'a,b', groups: [] }, 'ConfigMap', 'x')).toBe(true);
    expect(await policy.mayList({ user: 'a', groups: ['b'] }, 'ConfigMap', 'x')).toBe(false);
    expect(questions).toHaveLength(2);
  });

  it('uses the real clock when given none', async () => {
    const { fake, questions } = reviewer(['alice configmaps a']);
    const policy = new AccessPolicy(fake, { ttlMs: 60_000 });
    await policy.mayList(ALICE, 'ConfigMap', 'a');
    await policy.mayList(ALICE, 'ConfigMap', 'a');
    expect(questions).toHaveLength(1);
  });

  describe('forRequest', () => {
    it('authorizes one namespace, or all at once with the review\'s every-namespace question', async () => {
      const { fake, questions } = reviewer(['alice configmaps a', 'alice pipelines ']);
      const authorizer = new AccessPolicy(fake, { ttlMs: 1_000, now: () => 0 }).forRequest(ALICE);
      await expect(authorizer.authorize('ConfigMap', 'a')).resolves.toBeUndefined();
      await expect(authorizer.authorize('Pipeline', null)).resolves.toBeUndefined();
      expect(questions.map((q) => [q.resource, q.namespace])).toEqual([
        ['configmaps', 'a'],
        ['pipelines', ''],
      ]);
    });

    it('refuses with FORBIDDEN naming the resource and where, the same whether or not anything is there', async () => {
      const { fake } = reviewer([]);
      const authorizer = new AccessPolicy(fake, { ttlMs: 1_000, now: () => 0 }).forRequest(ALICE);
      const one = await rejection(authorizer.authorize('ConfigMap', 'b'));
      expect([one.code, one.message, one.object]).toEqual(['FORBIDDEN', 'Not allowed to list configmaps.core in namespace "b".', { kind: 'ConfigMap', namespace: 'b' }]);
      const all = await rejection(authorizer.authorize('HelmRelease', null));
      expect([all.code, all.message, all.object]).toEqual(['FORBIDDEN', 'Not allowed to list helmreleases.helm.toolkit.fluxcd.io across all namespaces.', { kind: 'HelmRelease' }]);
    });

    it('refuses everything with UNAUTHENTICATED, asking nothing, when there is no caller', async () => {
      const { fake, questions } = reviewer(['alice configmaps a']);
      const authorizer = new AccessPolicy(fake, { ttlMs: 1_000, now: () => 0 }).forRequest(undefined);
      const error = await rejection(authorizer.authorize('ConfigMap', 'a'));
      expect([error.code, error.message, error.object]).toEqual(['UNAUTHENTICATED', 'This request has no authenticated caller, so nothing may be read.', { kind: 'ConfigMap' }]);
      expect((await rejection(authorizer.visible('Pipeline', [obj('a', 'x')]))).code).toBe('UNAUTHENTICATED');
      expect(questions).toEqual([]);
    });

    it('fails closed with KUBERNETES_UNAVAILABLE when the review cannot be made, and asks again next time', async () => {
      let down = true;
      const { fake, questions } = reviewer(['alice configmaps a', 'alice deployments '], () => down);
      const authorizer = new AccessPolicy(fake, { ttlMs: 1_000, now: () => 0 }).forRequest(ALICE);
      const one = await rejection(authorizer.authorize('ConfigMap', 'a'));
      expect([one.code, one.message, one.object]).toEqual([
        'KUBERNETES_UNAVAILABLE',
        'Could not check with the Kubernetes API server whether you may list configmaps.core in namespace "a"; nothing is shown without that check.',
        { kind: 'ConfigMap', namespace: 'a' },
      ]);
      expect((one.cause as Error).message).toBe('connect ECONNREFUSED 127.0.0.1:6443');
      const all = await rejection(authorizer.visible('Deployment', [obj('a', 'x')]));
      expect([all.code, all.message, all.object]).toEqual([
        'KUBERNETES_UNAVAILABLE',
        'Could not check with the Kubernetes API server whether you may list deployments.apps across all namespaces; nothing is shown without that check.',
        { kind: 'Deployment' },
      ]);
      down = false;
      await expect(authorizer.authorize('ConfigMap', 'a')).resolves.toBeUndefined();
      expect(questions).toHaveLength(3);
    });

    it('tells onDecision until when each decision it used is remembered', async () => {
      const clock = { now: 5_000 };
      const { fake } = reviewer(['alice configmaps a']);
      const policy = new AccessPolicy(fake, { ttlMs: 300, now: () => clock.now });
      const heard: number[] = [];
      const authorizer = policy.forRequest(ALICE, (until) => heard.push(until));
      await authorizer.authorize('ConfigMap', 'a');
      clock.now = 5_100;
      await authorizer.authorize('ConfigMap', 'a');
      await authorizer.authorize('ConfigMap', 'b').catch(() => undefined);
      expect(heard).toEqual([5_300, 5_300, 5_400]);
      // A TTL of zero remembers nothing: the decision holds for this answer only.
      const unremembered: number[] = [];
      await new AccessPolicy(fake, { ttlMs: 0, now: () => clock.now }).forRequest(ALICE, (until) => unremembered.push(until)).authorize('ConfigMap', 'a');
      expect(unremembered).toEqual([0]);
    });

    it('keeps every object of an all-namespace read for a caller who may list the kind cluster-wide', async () => {
      const { fake, questions } = reviewer(['alice configmaps ']);
      const authorizer = new AccessPolicy(fake, { ttlMs: 1_000, now: () => 0 }).forRequest(ALICE);
      const objects = [obj('a', 'x'), obj(undefined, 'cluster-scoped'), obj('b', 'y')];
      const visible = await authorizer.visible('ConfigMap', objects);
      expect(visible).toEqual(objects);
      expect(visible).not.toBe(objects);
      expect(questions.map((q) => q.namespace)).toEqual(['']);
    });

    it('cuts an all-namespace read down to the namespaces the caller may list, asking once per namespace, cluster-scoped objects dropped', async () => {
      const { fake, questions } = reviewer(['alice configmaps a', 'alice configmaps c']);
      const authorizer = new AccessPolicy(fake, { ttlMs: 1_000, now: () => 0 }).forRequest(ALICE);
      const objects = [obj('a', 'x'), obj('b', 'y'), obj(undefined, 'cluster-scoped'), obj('a', 'z'), obj('c', 'w')];
      expect(await authorizer.visible('ConfigMap', objects)).toEqual([obj('a', 'x'), obj('a', 'z'), obj('c', 'w')]);
      expect(questions.map((q) => q.namespace)).toEqual(['', 'a', 'b', 'c']);
    });
  });
});

describe('authorizingReader', () => {
  const A = obj('a', 'x');
  const B = obj('b', 'y');

  /** An inner reader with every method, using `this` as a class-based reader would. */
  class Inner implements ClusterReader {
    reads: string[] = [];
    constructor(private readonly objects: KubeObject[]) {}
    private inNs(namespace: string | null) {
      return this.objects.filter((o) => namespace === null || o.metadata.namespace === namespace);
    }
    async list(kind: string, namespace: string | null, options?: { signal?: AbortSignal }) {
      this.reads.push(`list ${kind} ${namespace} ${options?.signal ? 'signal' : ''}`);
      return this.inNs(namespace);
    }
    async get(kind: string, namespace: string | null, name: string, options?: { signal?: AbortSignal }) {
      this.reads.push(`get ${kind} ${namespace} ${name} ${options?.signal ? 'signal' : ''}`);
      return this.inNs(namespace).find((o) => o.metadata.name === name) ?? null;
    }
    async listByLabels(kind: string, namespace: string | null, labels: Readonly<Record<string, string>>, options?: { signal?: AbortSignal }) {
      this.reads.push(`labels ${kind} ${namespace} ${JSON.stringify(labels)} ${options?.signal ? 'signal' : ''}`);
      return this.inNs(namespace);
    }
    async listByInventoryEntry(kind: string, namespace: string | null, entryId: string, options?: { signal?: AbortSignal }) {
      this.reads.push(`inventory ${kind} ${namespace} ${entryId} ${options?.signal ? 'signal' : ''}`);
      return this.inNs(namespace);
    }
    freshness(kinds?: readonly string[]): Freshness {
      this.reads.push(`freshness ${kinds?.join(',')}`);
      return { stale: true, lastSyncAt: this.objects.length, staleKinds: ['ConfigMap'] };
    }
  }

  const authorizerFor = (grants: string[]) => new AccessPolicy(reviewer(grants).fake, { ttlMs: 1_000, now: () => 0 }).forRequest(ALICE);
  const signal = new AbortController().signal;

  it('reads one namespace only once it is authorized, and reads nothing when it is refused', async () => {
    const inner = new Inner([A, B]);
    const reader = authorizingReader(inner, authorizerFor(['alice configmaps a']));
    expect(await reader.list('ConfigMap', 'a', { signal })).toEqual([A]);
    expect(await reader.get!('ConfigMap', 'a', 'x', { signal })).toEqual(A);
    expect(await reader.get!('ConfigMap', 'a', 'nope', { signal })).toBeNull();
    expect(await reader.listByLabels!('ConfigMap', 'a', { app: 'web' }, { signal })).toEqual([A]);
    expect(await reader.listByInventoryEntry!('ConfigMap', 'a', 'e1', { signal })).toEqual([A]);
    expect(inner.reads).toEqual([
      'list ConfigMap a signal',
      'get ConfigMap a x signal',
      'get ConfigMap a nope signal',
      'labels ConfigMap a {"app":"web"} signal',
      'inventory ConfigMap a e1 signal',
    ]);
    inner.reads.length = 0;
    for (const read of [
      reader.list('ConfigMap', 'b'),
      reader.get!('ConfigMap', 'b', 'y'),
      reader.listByLabels!('ConfigMap', 'b', { app: 'web' }),
      reader.listByInventoryEntry!('ConfigMap', 'b', 'e1'),
    ]) {
      expect((await rejection(read)).code).toBe('FORBIDDEN');
    }
    expect(inner.reads).toEqual([]);
  });

  it('reads all namespaces, then keeps only what the caller may see', async () => {
    const inner = new Inner([A, B]);
    const reader = authorizingReader(inner, authorizerFor(['alice configmaps b']));
    expect(await reader.list('ConfigMap', null)).toEqual([B]);
    expect(await reader.get!('ConfigMap', null, 'y')).toEqual(B);
    expect(await reader.get!('ConfigMap', null, 'x')).toBeNull();
    expect(await reader.listByLabels!('ConfigMap', null, { app: 'web' })).toEqual([B]);
    expect(await reader.listByInventoryEntry!('ConfigMap', null, 'e1')).toEqual([B]);
    expect(inner.reads).toHaveLength(5);
  });

  it('passes freshness through to the inner reader', () => {
    const inner = new Inner([A, B]);
    const reader = authorizingReader(inner, authorizerFor([]));
    expect(reader.freshness!(['ConfigMap'])).toEqual({ stale: true, lastSyncAt: 2, staleKinds: ['ConfigMap'] });
    expect(inner.reads).toEqual(['freshness ConfigMap']);
  });

  it('leaves out the lookups the inner reader lacks, so the loaders list (authorized) and filter', () => {
    const reader = authorizingReader({ list: async () => [] }, authorizerFor([]));
    expect(Object.keys(reader)).toEqual(['list']);
  });
});

describe('TokenAuthenticator', () => {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const jwt = (exp: number) => `${part({ alg: 'RS256' })}.${part({ sub: 'alice', exp })}.c2ln`;

  it('reviews a token once per TTL and answers its identity', async () => {
    const clock = { now: 0 };
    const { fake, tokens, answers } = reviewer([]);
    answers.set('opaque', { authenticated: true, identity: ALICE });
    const authenticator = new TokenAuthenticator(fake, { ttlMs: 1_000, now: () => clock.now });
    expect(await authenticator.authenticate('opaque')).toEqual(ALICE);
    clock.now = 999;
    expect(await authenticator.authenticate('opaque')).toEqual(ALICE);
    expect(tokens).toEqual(['opaque']);
    clock.now = 1_000;
    await authenticator.authenticate('opaque');
    expect(tokens).toEqual(['opaque', 'opaque']);
  });

  it('never trusts an answer past the JWT\'s own expiry, nor keeps it for longer than the TTL', async () => {
    const clock = { now: 1_000_000 };
    const { fake, tokens, answers } = reviewer([]);
    const soon = jwt(1_000.5); // expires at 1_000_500 ms, before the TTL ends
    const late = jwt(5_000); // expires long after the TTL
    answers.set(soon, { authenticated: true, identity: ALICE });
    answers.set(late, { authenticated: true, identity: ALICE });
    const authenticator = new TokenAuthenticator(fake, { ttlMs: 1_000, now: () => clock.now });
    await authenticator.authenticate(soon);
    await authenticator.authenticate(late);
    clock.now = 1_000_499;
    await authenticator.authenticate(soon);
    await authenticator.authenticate(late);
    expect(tokens).toHaveLength(2);
    clock.now = 1_000_500;
    await authenticator.authenticate(soon);
    expect(tokens).toHaveLength(3);
    clock.now = 1_000_999;
    await authenticator.authenticate(late);
    expect(tokens).toHaveLength(3);
    clock.now = 1_001_000;
    await authenticator.authenticate(late);
    expect(tokens).toHaveLength(4);
  });

  it('remembers a refused token for the TTL, but not a refusal the authenticator itself reported as an error', async () => {
    const { fake, tokens, answers } = reviewer([]);
    answers.set('flaky', { authenticated: false, transient: true });
    const authenticator = new TokenAuthenticator(fake, { ttlMs: 1_000, now: () => 0 });
    expect(await authenticator.authenticate('bad')).toBeNull();
    expect(await authenticator.authenticate('bad')).toBeNull();
    expect(await authenticator.authenticate('flaky')).toBeNull();
    expect(await authenticator.authenticate('flaky')).toBeNull();
    expect(tokens).toEqual(['bad', 'flaky', 'flaky']);
  });

  it('fails with KUBERNETES_UNAVAILABLE when the review fails, keeping no cause (it would hold the token)', async () => {
    const { fake, answers } = reviewer([]);
    answers.set('secret-token', new Error('POST /apis/authentication.k8s.io/v1/tokenreviews {"token":"secret-token"} failed'));
    const error = await rejection(new TokenAuthenticator(fake, { ttlMs: 1_000, now: () => 0 }).authenticate('secret-token'));
    expect([error.code, error.message, error.object, error.cause]).toEqual([
      'KUBERNETES_UNAVAILABLE',
      'Could not verify the bearer token with the Kubernetes API server; try again later.',
      undefined,
      undefined,
    ]);
  });

  it('uses the real clock when given none', async () => {
    const { fake, tokens, answers } = reviewer([]);
    answers.set('t', { authenticated: true, identity: ALICE });
    const authenticator = new TokenAuthenticator(fake, { ttlMs: 60_000 });
    await authenticator.authenticate('t');
    await authenticator.authenticate('t');
    expect(tokens).toHaveLength(1);
  });

  it('reads no expiry from a token of two or four parts, or an exp that is not a finite number', () => {
    expect(jwtExpiry(`${part({})}.${part({ exp: 10 })}`)).toBeNull();
    expect(jwtExpiry(`${part({})}.${part({ exp: 10 })}.sig.extra`)).toBeNull();
    expect(jwtExpiry(`${part({})}.${Buffer.from('{"exp":1e999}').toString('base64url')}.sig`)).toBeNull();
    expect(jwtExpiry(`${part({})}.${part({ exp: 10 })}.sig`)).toBe(10_000);
  });
});
