import { ApiException } from '@kubernetes/client-node';
import { PipelineApiError } from '../../errors.js';
import type { ResourceDescriptor } from '../resources.js';

/**
 * API server failures → the service's error codes. Kubernetes Status messages name
 * users and service accounts, so clients get our own wording; the original goes to
 * the server log only (the caller logs `cause`).
 */
export function toPipelineApiError(error: unknown, resource: ResourceDescriptor, namespace: string | null): PipelineApiError {
  if (error instanceof PipelineApiError) return error;
  const where = namespace === null ? 'across all namespaces' : `in namespace "${namespace}"`;
  const object = { kind: resource.kind, ...(namespace === null ? {} : { namespace }) };
  const options = { cause: error };
  if (error instanceof ApiException) {
    switch (error.code) {
      case 401:
        return new PipelineApiError('UNAUTHENTICATED', 'The Kubernetes API server rejected the service\'s credentials (expired or invalid token).', object, options);
      case 403:
        return new PipelineApiError('FORBIDDEN', `Not allowed to list ${resource.plural}.${resource.group || 'core'} ${where}.`, object, options);
      case 404:
        return crdNotInstalled(resource, options);
      default:
        if (error.code >= 500 || error.code === 429) {
          return new PipelineApiError('KUBERNETES_UNAVAILABLE', `The Kubernetes API server failed to list ${resource.plural} ${where} (HTTP ${error.code}).`, object, options);
        }
        // Any other answer (400, 409, 422...) is not expected for a list; it was reached, though.
        return new PipelineApiError('KUBERNETES_UNAVAILABLE', `The Kubernetes API server refused to list ${resource.plural} ${where} (HTTP ${error.code}).`, object, options);
    }
  }
  if (isAbort(error)) {
    return new PipelineApiError('DEADLINE_EXCEEDED', `Listing ${resource.plural} ${where} was cancelled: the request's deadline passed or its client went away.`, object, options);
  }
  return new PipelineApiError('KUBERNETES_UNAVAILABLE', `The Kubernetes API server could not be reached to list ${resource.plural} ${where}.`, object, options);
}

export function crdNotInstalled(resource: ResourceDescriptor, options?: { cause?: unknown }): PipelineApiError {
  const crd = `${resource.plural}.${resource.group}`;
  const fix = resource.ownCrd ? 'run `make install` to install it' : 'install Flux (the controller that owns it) in this cluster';
  return new PipelineApiError('CRD_NOT_INSTALLED', `The ${resource.kind} CRD (${crd}) is not installed in this cluster: ${fix}.`, { kind: resource.kind }, options);
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}
