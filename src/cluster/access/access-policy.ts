import { PipelineApiError } from '../../errors.js';
import type { Identity } from '../reader.js';
import { RESOURCES, type ResourceKind } from '../resources.js';
import type { AccessReviewer } from './access-reviewer.js';
import { TtlCache } from './ttl-cache.js';

/** The namespace of a SubjectAccessReview that asks about every namespace at once. */
const EVERY_NAMESPACE = '';
const MAX_CACHED_DECISIONS = 50_000;

export interface AccessPolicyOptions {
  /** How long an answer is trusted: also how long a revoked RoleBinding keeps working here. */
  ttlMs: number;
  now?: () => number;
}

/**
 * Authorization for one request: the one place that decides whether this caller may
 * use objects of a kind in a namespace. Every read path (today `ClusterReader.list`,
 * tomorrow the store's index lookups) calls `authorize` before reading one namespace
 * and `visible` on what it read across all namespaces.
 */
export interface ReadAuthorizer {
  /**
   * Resolves when the caller may list `kind` in `namespace` (null: in every namespace at
   * once); rejects with FORBIDDEN when not, KUBERNETES_UNAVAILABLE when the review
   * could not be made (fail closed), UNAUTHENTICATED when there is no caller.
   */
  authorize(kind: ResourceKind, namespace: string | null): Promise<void>;
  /**
   * An all-namespace result cut down to what the caller may read: unchanged when they may
   * list the kind cluster-wide, else only the objects of namespaces they may list it in
   * (cluster-scoped objects only with cluster-wide access). Rejects like `authorize`.
   */
  visible<T extends { metadata: { namespace?: string } }>(kind: ResourceKind, objects: readonly T[]): Promise<T[]>;
}

/**
 * Process-wide: asks SubjectAccessReviews and remembers each answer for `ttlMs`, per
 * (user, groups, kind, namespace). Failed reviews are never remembered.
 */
export class AccessPolicy {
  private readonly decisions: TtlCache<boolean>;
  private readonly now: () => number;

  constructor(
    private readonly reviewer: AccessReviewer,
    private readonly options: AccessPolicyOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.decisions = new TtlCache(MAX_CACHED_DECISIONS, this.now);
  }

  get ttlMs(): number {
    return this.options.ttlMs;
  }

  /**
   * May `identity` list `kind` in `namespace` ('' = in every namespace)? Rejects when the
   * review fails. A remembered answer is used only while it has `minRemainingMs` left.
   */
  mayList(identity: Identity, kind: ResourceKind, namespace: string, minRemainingMs = 0): Promise<boolean> {
    const groups = [...new Set(identity.groups)].sort();
    const key = decisionKey(identity, kind, namespace);
    const { group, plural } = RESOURCES[kind];
    return this.decisions.get(key, async () => {
      const allowed = await this.reviewer.mayList({ identity: { user: identity.user, groups }, group, resource: plural, namespace });
      return { value: allowed, expiresAt: this.now() + this.options.ttlMs };
    }, minRemainingMs);
  }

  /**
   * The authorizer of one request, for its caller (none: every read is refused).
   * `onDecision` hears, for every decision the request relied on, until when it is
   * remembered (0: not remembered): an answer built on these decisions must not be reused
   * after the earliest of them, or a revocation would outlive the TTL (the result cache).
   * `minRemainingMs`: use only remembered answers with at least that long left (a
   * subscription's periodic re-check, so that a revocation ends it within one TTL).
   */
  forRequest(identity: Identity | undefined, onDecision?: (validUntil: number) => void, minRemainingMs = 0): ReadAuthorizer {
    const decide = async (kind: ResourceKind, namespace: string): Promise<boolean> => {
      if (!identity) {
        throw new PipelineApiError('UNAUTHENTICATED', 'This request has no authenticated caller, so nothing may be read.', { kind });
      }
      try {
        const allowed = await this.mayList(identity, kind, namespace, minRemainingMs);
        onDecision?.(this.decisions.expiryOf(decisionKey(identity, kind, namespace)) ?? 0);
        return allowed;
      } catch (error) {
        throw new PipelineApiError(
          'KUBERNETES_UNAVAILABLE',
          `Could not check with the Kubernetes API server whether you may list ${describe(kind, namespace)}; nothing is shown without that check.`,
          { kind, ...(namespace ? { namespace } : {}) },
          { cause: error },
        );
      }
    };
    return {
      authorize: async (kind, namespace) => {
        if (!(await decide(kind, namespace ?? EVERY_NAMESPACE))) throw forbidden(kind, namespace);
      },
      visible: async (kind, objects) => {
        if (await decide(kind, EVERY_NAMESPACE)) return [...objects];
        const namespaces = [...new Set(objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])))];
        const allowed = new Set<string>();
        await Promise.all(
          namespaces.map(async (ns) => {
            if (await decide(kind, ns)) allowed.add(ns);
          }),
        );
        return objects.filter((o) => o.metadata.namespace !== undefined && allowed.has(o.metadata.namespace));
      },
    };
  }
}

/** JSON keeps the parts apart: no user or group name can forge another key. */
function decisionKey(identity: Identity, kind: ResourceKind, namespace: string): string {
  return JSON.stringify([identity.user, [...new Set(identity.groups)].sort(), kind, namespace]);
}

function describe(kind: ResourceKind, namespace: string): string {
  const { plural, group } = RESOURCES[kind];
  return `${plural}.${group || 'core'} ${namespace ? `in namespace "${namespace}"` : 'across all namespaces'}`;
}

/**
 * The same answer the service gives for its own 403 from the API server, and the same
 * whether or not anything exists there: it is decided before anything is read.
 */
function forbidden(kind: ResourceKind, namespace: string | null): PipelineApiError {
  return new PipelineApiError('FORBIDDEN', `Not allowed to list ${describe(kind, namespace ?? EVERY_NAMESPACE)}.`, {
    kind,
    ...(namespace ? { namespace } : {}),
  });
}
