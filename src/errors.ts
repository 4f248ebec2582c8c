/**
 * The service's expected failures. Each carries a stable code that clients can
 * switch on and, where one object is at fault, that object's kind/namespace/name.
 * Nothing here knows GraphQL: the schema layer turns these into GraphQL errors
 * (see server/error-masking.ts), so the model and the cluster layer stay plain.
 */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'PIPELINE_NOT_FOUND',
  'INVALID_PIPELINE_DEFINITION',
  'STAGE_NOT_FOUND',
  'RELEASE_NOT_FOUND',
  'UNSUPPORTED_RELEASE_KIND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'KUBERNETES_UNAVAILABLE',
  'CRD_NOT_INSTALLED',
  'DEADLINE_EXCEEDED',
  'TOO_MANY_SUBSCRIPTIONS',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The Kubernetes object an error is about. */
export interface ObjectRef {
  kind: string;
  namespace?: string;
  name?: string;
}

export class PipelineApiError extends Error {
  override readonly name = 'PipelineApiError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly object?: ObjectRef,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function describeObject(ref: ObjectRef): string {
  const where = ref.namespace ? `${ref.namespace}/${ref.name ?? '*'}` : (ref.name ?? '*');
  return `${ref.kind} ${where}`;
}

export const pipelineNotFound = (approach: string, namespace: string, name: string) =>
  new PipelineApiError(
    'PIPELINE_NOT_FOUND',
    `No ${approach} pipeline named "${name}" in namespace "${namespace}".`,
    { kind: approach === 'CM' ? 'ConfigMap' : 'Pipeline', namespace, name },
  );

export const badUserInput = (message: string) => new PipelineApiError('BAD_USER_INPUT', message);
