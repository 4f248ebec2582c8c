import { describe, expect, it } from 'vitest';
import { collectionPath, groupOf, isNamespaced, RESOURCES, resourceKindOf } from './resources.js';

describe('groupOf', () => {
  it.each([
    ['apps/v1', 'apps'],
    ['helm.toolkit.fluxcd.io/v2beta1', 'helm.toolkit.fluxcd.io'],
    ['v1', ''],
  ])('%s → %j', (apiVersion, group) => {
    expect(groupOf(apiVersion)).toBe(group);
  });
});

describe('resourceKindOf', () => {
  it.each([
    ['v1', 'ConfigMap', 'ConfigMap'],
    ['apps/v1', 'Deployment', 'Deployment'],
    ['kustomize.toolkit.fluxcd.io/v1beta1', 'Kustomization', 'Kustomization'],
    ['helm.toolkit.fluxcd.io/v2beta2', 'HelmRelease', 'HelmRelease'],
    ['wego.weave.works/v1alpha3', 'PipelineStage', 'PipelineStage'],
    // Same kind name, another group: kustomize's own Kustomization is not Flux's.
    ['kustomize.config.k8s.io/v1beta1', 'Kustomization', null],
    ['v1', 'Deployment', null],
    ['v1', 'Secret', null],
    [5, 'ConfigMap', null],
    ['v1', 5, null],
    // Not a string, though its property key would name a kind: refused, never looked up.
    ['v1', ['ConfigMap'], null],
    [undefined, undefined, null],
  ])('%j %j → %j', (apiVersion, kind, expected) => {
    expect(resourceKindOf(apiVersion, kind)).toBe(expected);
  });
});

describe('isNamespaced', () => {
  it('is false only for kinds marked cluster-scoped', () => {
    expect(isNamespaced('Namespace')).toBe(false);
    expect(isNamespaced('ConfigMap')).toBe(true);
    expect(isNamespaced('HelmRelease')).toBe(true);
  });
});

describe('collectionPath', () => {
  it.each([
    // core group: /api; named groups: /apis/<group>
    ['ConfigMap', 'v1', 'dev', '/api/v1/namespaces/dev/configmaps'],
    ['ConfigMap', 'v1', null, '/api/v1/configmaps'],
    ['Deployment', 'v1', 'team-a', '/apis/apps/v1/namespaces/team-a/deployments'],
    ['HelmRelease', 'v2beta2', null, '/apis/helm.toolkit.fluxcd.io/v2beta2/helmreleases'],
    // A cluster-scoped kind is never put under a namespace, even when one is given.
    ['Namespace', 'v1', 'dev', '/api/v1/namespaces'],
    // The namespace is one path segment, whatever it holds.
    ['ConfigMap', 'v1', 'a/b c', '/api/v1/namespaces/a%2Fb%20c/configmaps'],
  ] as const)('%s %s in %j → %s', (kind, version, namespace, path) => {
    expect(collectionPath(RESOURCES[kind], version, namespace)).toBe(path);
  });
});
