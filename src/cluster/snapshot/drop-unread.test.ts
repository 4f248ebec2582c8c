import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { projectObject } from '../store/projection.js';
import type { KubeObject } from '../kube-object.js';
import { dropUnread } from './drop-unread.js';

const load = (text: string) => jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA }) as KubeObject[];
const projected = (text: string) =>
  load(text)
    .filter(Boolean)
    .flatMap((d) => (d.kind.endsWith('List') ? ((d as unknown as { items: KubeObject[] }).items ?? []) : [d]))
    .map(projectObject);

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    note: |
      managedFields:
        - not: structure
  labels:
    app: web
  managedFields:
  - apiVersion: v1
    fieldsV1:
      "f:spec": {}
    manager: kubectl
  name: web
  namespace: dev
spec:
  replicas: 2
  template:
    spec:
      containers:
      - args:
        - --password=hunter2
        env:
          - name: TOKEN
            value: "s3cret"
        image: "registry/web:1.0"
        name: web

        ports: [{containerPort: 80}]
      - command: ["sh"]
        name: side
        image: side:2
      initContainers:
        - name: init
          image: init:1
          envFrom:
            - secretRef: {name: x}
status:
  readyReplicas: 2
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  namespace: dev
data:
  pipelines: "stages:
    managedFields: x"
`;

describe('dropUnread', () => {
  it('cuts managedFields and container details, and the projection of the rest is unchanged', () => {
    const slim = dropUnread(DEPLOYMENT);
    expect(slim).not.toBeNull();
    expect(slim).not.toContain('hunter2');
    expect(slim).not.toContain('s3cret');
    expect(slim).not.toContain('fieldsV1');
    expect(slim).not.toContain('secretRef');
    // Lines inside scalars are never read as structure.
    expect(slim).toContain('      managedFields:\n        - not: structure');
    expect(slim).toContain('    managedFields: x"');
    expect(projected(slim!)).toEqual(projected(DEPLOYMENT));
  });

  it('reads kind: List items the same way', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n${DEPLOYMENT.split('---')[0]!
      .trimEnd()
      .split('\n')
      .map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`))
      .join('\n')}\n`;
    const slim = dropUnread(list);
    expect(slim).not.toContain('hunter2');
    expect(slim).not.toContain('fieldsV1');
    expect(projected(slim!)).toEqual(projected(list));
  });

  it('returns the text itself when nothing is dropped', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n';
    expect(dropUnread(text)).toBe(text);
  });

  it('refuses what it does not understand', () => {
    expect(dropUnread('a:\n\tb: 1\n')).toBeNull();
    expect(dropUnread('%YAML 1.2\n---\na: 1\n')).toBeNull();
    expect(dropUnread('just a scalar\n')).toBeNull();
    expect(dropUnread('a:\n- - 1\n')).toBeNull();
    expect(dropUnread('--- {a: 1}\n')).toBeNull();
  });
});
