import type { AccessReviewer, ListQuestion, TokenReviewAnswer } from '../../src/cluster/access/access-reviewer.js';
import type { Identity } from '../../src/cluster/reader.js';

/**
 * The API server's two reviews, faked at the AccessReviewer interface: tokens it knows,
 * and RBAC-like grants of `list` on a resource in a namespace ('' = every namespace) to
 * a user or a group. It records every question, so tests can count reviews.
 */
export class FakeAccessReviewer implements AccessReviewer {
  readonly tokens = new Map<string, Identity>();
  readonly tokenReviews: string[] = [];
  readonly listQuestions: ListQuestion[] = [];
  failTokenReviews = false;
  failListReviews = false;
  private readonly grants = new Set<string>();

  grant(subject: { user?: string; group?: string }, resources: string[], namespaces: string[]): this {
    for (const resource of resources) for (const ns of namespaces) this.grants.add(this.key(subject, resource, ns));
    return this;
  }

  revoke(subject: { user?: string; group?: string }, resources: string[], namespaces: string[]): this {
    for (const resource of resources) for (const ns of namespaces) this.grants.delete(this.key(subject, resource, ns));
    return this;
  }

  async reviewToken(token: string): Promise<TokenReviewAnswer> {
    this.tokenReviews.push(token);
    if (this.failTokenReviews) throw new Error(`connect ECONNREFUSED while reviewing ${token}`);
    const identity = this.tokens.get(token);
    return identity ? { authenticated: true, identity } : { authenticated: false, transient: false };
  }

  async mayList(question: ListQuestion): Promise<boolean> {
    this.listQuestions.push(question);
    if (this.failListReviews) throw new Error('subjectaccessreviews.authorization.k8s.io is forbidden');
    const { identity, resource, namespace } = question;
    // A grant in every namespace ('') also answers a question about one namespace, as a ClusterRoleBinding does.
    const subjects = [{ user: identity.user }, ...identity.groups.map((group) => ({ group }))];
    return subjects.some((s) => this.grants.has(this.key(s, resource, namespace)) || this.grants.has(this.key(s, resource, '')));
  }

  private key(subject: { user?: string; group?: string }, resource: string, namespace: string): string {
    return JSON.stringify([subject.user ?? null, subject.group ?? null, resource, namespace]);
  }
}
