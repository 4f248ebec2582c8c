import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  Observable,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import type { AccessReviewer, ListQuestion, TokenReviewAnswer } from './access-reviewer.js';

/** A review that has not been answered by then fails (closed) instead of holding requests. */
const REVIEW_TIMEOUT_MS = 10_000;

/**
 * TokenReview and SubjectAccessReview against the API server, made with the service's
 * own credentials (its kubeconfig or pod service account), which need `create` on
 * both (deploy/clusterrole-reviews.yaml).
 */
export class KubeAccessReviewer implements AccessReviewer {
  private readonly authentication: AuthenticationV1Api;
  private readonly authorization: AuthorizationV1Api;

  constructor(kc: KubeConfig) {
    this.authentication = kc.makeApiClient(AuthenticationV1Api);
    this.authorization = kc.makeApiClient(AuthorizationV1Api);
  }

  async reviewToken(token: string): Promise<TokenReviewAnswer> {
    const review = await this.authentication.createTokenReview(
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } },
      withTimeout(),
    );
    const status = review.status;
    const user = status?.user;
    if (status?.authenticated && user?.username) {
      return { authenticated: true, identity: { user: user.username, groups: user.groups ?? [] } };
    }
    // An authenticator that reports an error may have failed to decide (an OIDC provider
    // down, say) rather than found the token bad: such an answer is not remembered.
    return { authenticated: false, transient: Boolean(status?.error) };
  }

  async mayList({ identity, group, resource, namespace }: ListQuestion): Promise<boolean> {
    const review = await this.authorization.createSubjectAccessReview(
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: { user: identity.user, groups: identity.groups, resourceAttributes: { verb: 'list', group, resource, namespace } },
        },
      },
      withTimeout(),
    );
    // Only an explicit yes is a yes: a denial, no opinion, or an evaluation error are all no.
    return review.status?.allowed === true && review.status.denied !== true;
  }
}

/** Per-call options putting a deadline on one review (client-node's middleware must answer with its own Observable). */
function withTimeout(): ConfigurationOptions {
  const signal = AbortSignal.timeout(REVIEW_TIMEOUT_MS);
  const middleware: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(signal as never);
      return new Observable(Promise.resolve(context));
    },
    post: (context) => new Observable(Promise.resolve(context)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}
