import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { RESOURCES } from '../resources.js';
import { toPipelineApiError } from './kube-errors.js';

const status = (code: number) =>
  new ApiException(
    code,
    `HTTP-Code: ${code} Message: Unknown API Status Code! Body: ...`,
    JSON.stringify({ kind: 'Status', message: 'deployments.apps is forbidden: User "system:serviceaccount:ops:reader" cannot list resource' }),
    {},
  );

describe('toPipelineApiError', () => {
  it.each([
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
    [404, 'CRD_NOT_INSTALLED'],
    [429, 'KUBERNETES_UNAVAILABLE'],
    [500, 'KUBERNETES_UNAVAILABLE'],
    [503, 'KUBERNETES_UNAVAILABLE'],
  ])('maps HTTP %i to %s in its own words, keeping the Status as the cause only', (code, expected) => {
    const error = toPipelineApiError(status(code), RESOURCES.Deployment, 'prod');
    expect(error.code).toBe(expected);
    expect(error.message).not.toContain('system:serviceaccount');
    expect(error.message).not.toContain('HTTP-Code');
    expect(error.cause).toBeInstanceOf(ApiException);
  });

  it('does not call an unexpected HTTP answer unreachable', () => {
    const error = toPipelineApiError(status(422), RESOURCES.Kustomization, 'dev');
    expect(error.code).toBe('KUBERNETES_UNAVAILABLE');
    expect(error.message).toBe('The Kubernetes API server refused to list kustomizations in namespace "dev" (HTTP 422).');
  });

  it('names `make install` when our own CRD is missing, and Flux when its CRD is', () => {
    expect(toPipelineApiError(status(404), RESOURCES.Pipeline, 'flux-system').message).toContain('run `make install`');
    expect(toPipelineApiError(status(404), RESOURCES.HelmRelease, 'dev').message).toContain('install Flux');
  });

  it('reports a refused connection as KUBERNETES_UNAVAILABLE and an abort as DEADLINE_EXCEEDED', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    expect(toPipelineApiError(refused, RESOURCES.ConfigMap, null).code).toBe('KUBERNETES_UNAVAILABLE');
    expect(toPipelineApiError(refused, RESOURCES.ConfigMap, null).message).not.toContain('127.0.0.1');
    const aborted = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    expect(toPipelineApiError(aborted, RESOURCES.ConfigMap, 'dev').code).toBe('DEADLINE_EXCEEDED');
  });
});
