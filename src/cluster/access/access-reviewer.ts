import type { Identity } from '../reader.js';

/** What the API server said about a bearer token. */
export type TokenReviewAnswer =
  | { authenticated: true; identity: Identity }
  /** `transient`: the authenticator itself reported an error (say, an OIDC provider down): not worth remembering. */
  | { authenticated: false; transient: boolean };

/** One `list` question: may this identity list `resource` of `group` in `namespace` ('' = in every namespace)? */
export interface ListQuestion {
  identity: Identity;
  group: string;
  resource: string;
  namespace: string;
}

/**
 * The two questions per-user access asks the API server: who is this token
 * (TokenReview), and may this user list that (SubjectAccessReview). The Kubernetes
 * implementation is kube-access-reviewer.ts; tests put a fake here and nowhere else.
 * Both reject when the review itself could not be made; callers then fail closed.
 */
export interface AccessReviewer {
  reviewToken(token: string): Promise<TokenReviewAnswer>;
  mayList(question: ListQuestion): Promise<boolean>;
}
