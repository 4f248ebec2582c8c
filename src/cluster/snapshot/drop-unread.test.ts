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

/** The documents as parsed, or the parser's error message. */
const parsedOrError = (text: string) => {
  try {
    return load(text);
  } catch (error) {
    return (error as Error).message;
  }
};

describe('dropUnread: what it cuts, keeps and refuses, line by line', () => {
  it('keeps keys that only look like the dropped paths (not under the root, items[], or spec.template.spec.containers[])', () => {
    const text = [
      // Not a List's items: a root key holding a list.
      'entries:\n- metadata:\n    managedFields:\n    - manager: a\n    name: e\n',
      // items, but a mapping under it rather than a list.
      'items:\n  first:\n    metadata:\n      managedFields:\n      - manager: b\n',
      // containers as a mapping rather than a list.
      'spec:\n  template:\n    spec:\n      containers:\n        main:\n          args: [x]\n',
      // Each of spec, template and spec replaced.
      'other:\n  template:\n    spec:\n      containers:\n      - name: a\n        args: [x]\n',
      'spec:\n  other:\n    spec:\n      containers:\n      - name: a\n        args: [x]\n',
      'spec:\n  template:\n    other:\n      containers:\n      - name: a\n        args: [x]\n',
    ].join('---\n');
    expect(dropUnread(text)).toBe(text);
  });

  it('unquotes quoted keys, and only those', () => {
    const text = 'metadata:\n  "managedFields":\n  - a: 1\n  name: x\n---\nmetadata:\n  \'managedFields\':\n  - a: 1\n  name: y\n';
    expect(dropUnread(text)).toBe('metadata:\n  name: x\n---\nmetadata:\n  name: y\n');
    // Plain keys that merely end in a quote are other keys.
    for (const quote of ['"', "'"]) {
      const plain = `metadata:\n  XmanagedFields${quote}:\n  - a: 1\n  name: x\n`;
      expect(dropUnread(plain)).toBe(plain);
    }
  });

  it('reads the lines after a key with a value spanning lines as that value, never as keys', () => {
    const text = 'kind: ConfigMap\nmetadata: "x\n  managedFields: y"\n';
    expect(dropUnread(text)).toBe(text);
    expect(parsedOrError(text)).toEqual([{ kind: 'ConfigMap', metadata: 'x managedFields: y' }]);
  });

  it('reads a key followed by spaces or a comment only as the start of a block', () => {
    expect(dropUnread('metadata:   \n  managedFields:\n  - a: 1\n  name: x\n')).toBe('metadata:   \n  name: x\n');
    expect(dropUnread('metadata: # the object\n  managedFields:\n  - a: 1\n  name: x\n')).toBe('metadata: # the object\n  name: x\n');
  });

  it('reads a document indented as a whole', () => {
    expect(dropUnread('  metadata:\n    managedFields:\n    - a: 1\n    name: x\n')).toBe('  metadata:\n    name: x\n');
  });

  it('refuses a tab after the indentation inside a dropped block, so the parser reports it', () => {
    const text = 'metadata:\n  managedFields:\n    \t- a: 1\n  name: x\n';
    expect(dropUnread(text)).toBeNull();
    expect(parsedOrError(text)).toMatch(/^bad indentation of a mapping entry \(3:6\)/);
  });

  it('lets a comment at any indent run on inside a dropped block', () => {
    const text = 'metadata:\n  managedFields:\n  - a: 1\n# a note\n  - b: 2\n  name: x\n';
    expect(dropUnread(text)).toBe('metadata:\n  name: x\n');
  });

  it('refuses a line starting with a lone CR (a line break in YAML), which must not be taken for a blank line', () => {
    const text = 'metadata:\n  managedFields:\n  - a: 1\n\r  name: x\n';
    expect(dropUnread(text)).toBeNull();
    expect(parsedOrError(text)).toEqual([{ metadata: { managedFields: [{ a: 1 }], name: 'x' } }]);
  });

  it('reads CRLF blank lines and empty list items', () => {
    const text = 'items: # c\r\n- \r\n  metadata: # c\r\n    managedFields: # c\r\n    - a: 1\r\n\r\n    - b: 2\r\n    name: x\r\n';
    const slim = 'items: # c\r\n- \r\n  metadata: # c\r\n    name: x\r\n';
    expect(dropUnread(text)).toBe(slim);
    expect(parsedOrError(slim)).toEqual([{ items: [{ metadata: { name: 'x' } }] }]);
  });

  it('reads an empty list item, with or without a space after the dash, as the start of its content', () => {
    for (const dash of ['-', '- ']) {
      const text = `items:\n${dash}\n  metadata:\n    managedFields:\n    - a: 1\n    name: x\n`;
      expect(dropUnread(text)).toBe(`items:\n${dash}\n  metadata:\n    name: x\n`);
    }
  });

  it('reads a one-character item as a scalar whose value may run on', () => {
    const text = 'metadata:\n  finalizers:\n  - a\n    b\n  name: x\n';
    expect(dropUnread(text)).toBe(text);
  });

  it('tells list items from keys that have a space or start with a dash', () => {
    expect(dropUnread('metadata:\n  managedFields:\n  - a: 1\n  x y: z\n  name: n\n')).toBe('metadata:\n  x y: z\n  name: n\n');
    const dashed = 'metadata:\n  managedFields:\n  - a: 1\n  -x: 1\n';
    expect(dropUnread(dashed)).toBeNull();
    expect(parsedOrError(dashed)).toEqual([{ metadata: { managedFields: [{ a: 1 }], '-x': 1 } }]);
  });

  it('reads document markers only at the start of a line, with trailing spaces, and --- and ... alike', () => {
    expect(dropUnread('a:\n  ---\n')).toBeNull();
    expect(dropUnread('a: 1\n...\n---   \nmetadata:\n  managedFields: []\n  name: x\n')).toBe('a: 1\n...\n---   \nmetadata:\n  name: x\n');
  });

  it('keeps a list nested directly in a List item as is', () => {
    const text = 'items:\n-\n  - metadata:\n      managedFields:\n      - a: 1\n      name: x\n';
    expect(dropUnread(text)).toBe(text);
  });
});

describe('dropUnread: a list item whose content follows a lone CR on the same line', () => {
  it('reads the item as a scalar it cannot see into, so the rest of a quoted value is never cut', () => {
    const text = 'spec:\n  template:\n    spec:\n      containers:\n      - \r        name: "x\n          command: y"\n        image: i\n';
    expect(dropUnread(text)).toBe(text);
    expect(parsedOrError(text)).toEqual([{ spec: { template: { spec: { containers: [{ name: 'x command: y', image: 'i' }] } } } }]);
  });
});
