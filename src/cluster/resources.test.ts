import { describe, expect, it } from 'vitest';
import { groupOf, resourceKindOf } from './resources.js';

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
    [undefined, undefined, null],
  ])('%j %j → %j', (apiVersion, kind, expected) => {
    expect(resourceKindOf(apiVersion, kind)).toBe(expected);
  });
});
