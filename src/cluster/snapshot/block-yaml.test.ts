import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import jsyaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFleet } from '../../../scripts/fleet.js';
import type { KubeObject } from '../kube-object.js';
import { projectObject } from '../store/projection.js';
import { IMPLICIT, mayResolve, parseBlockYaml, resolvePlain } from './block-yaml.js';
import { demoSnapshotPath } from './demo-snapshot.js';
import { dropUnread } from './drop-unread.js';
import { REPO, yamlFiles } from '../../../test/support/repo-yaml.js';

/**
 * block-yaml.ts promises exactly js-yaml's answer (core schema) whenever it answers, and
 * null otherwise. Pinned differentially: on every YAML file in the repository, on a small
 * generated fleet, and on targeted texts for each scalar form and each refusal.
 */

const load = (text: string): unknown[] => jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA, json: false });


const isObject = (v: unknown): v is KubeObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as KubeObject).kind === 'string' && typeof (v as KubeObject).metadata === 'object';

/** What the store keeps of parsed documents: each object (a List's items too) projected; anything else as parsed. */
function stored(documents: unknown[]): unknown[] {
  return documents.flatMap((document): unknown[] => {
    if (isObject(document) && document.kind.endsWith('List') && Array.isArray((document as { items?: unknown }).items)) {
      return (document as { items: unknown[] }).items.map((item) => (isObject(item) ? projectObject(item) : item));
    }
    return [isObject(document) ? projectObject(document) : document];
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function generatedFleet(): { files: string[]; list: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'block-yaml-'));
  dirs.push(dir);
  writeFleet(join(dir, 'files'), { scale: 0.003, seed: 5, list: false });
  writeFleet(join(dir, 'list'), { scale: 0.003, seed: 5, list: true });
  return { files: yamlFiles(join(dir, 'files')), list: yamlFiles(join(dir, 'list')) };
}

describe('block YAML against js-yaml on every snapshot in the repository and a generated fleet', () => {
  it('answers exactly as js-yaml whenever it answers, and answers for the fleet and the demo', () => {
    const fleet = generatedFleet();
    const files = [...yamlFiles(REPO), ...fleet.files, ...fleet.list];
    const mustAnswer = new Set([...fleet.files, ...fleet.list, ...yamlFiles(demoSnapshotPath())]);
    let answered = 0;
    let refused = 0;
    for (const file of files) {
      const name = relative(REPO, file);
      const text = readFileSync(file, 'utf8');
      const slim = dropUnread(text);
      let expected: unknown[];
      try {
        expected = load(text);
      } catch {
        // Broken on purpose (a fixture of bad input): never answered, so the careful parser reports it.
        expect(parseBlockYaml(text), name).toBeNull();
        expect(parseBlockYaml(text, { skipUnread: true }), name).toBeNull();
        refused++;
        continue;
      }
      const whole = parseBlockYaml(text);
      const skipping = parseBlockYaml(text, { skipUnread: true });
      if (mustAnswer.has(file)) {
        expect(whole, name).not.toBeNull();
        expect(skipping, name).not.toBeNull();
      }
      if (whole === null) refused++;
      else answered++;
      if (whole !== null) expect(whole, name).toStrictEqual(expected);
      if (skipping !== null) {
        // Skipping while parsing is the cut of drop-unread.ts (it may answer where the whole text
        // is refused, for what the skipped blocks hold): js-yaml's documents of the cut text...
        if (slim !== null) expect(skipping, name).toStrictEqual(load(slim));
        // ...and the store keeps the same objects as from the text as written.
        expect(stored(skipping), name).toStrictEqual(stored(expected));
      }
      // The cut text is plain block YAML as well.
      const slimAnswer = slim === null ? null : parseBlockYaml(slim);
      if (slimAnswer !== null) expect(slimAnswer, name).toStrictEqual(load(slim!));
    }
    expect(mustAnswer.size).toBeGreaterThan(10);
    expect(answered).toBeGreaterThan(30);
    // Some files of the repository hold flow collections and the like: refused, not guessed.
    expect(refused).toBeGreaterThan(0);
  });
});

/** Texts answered, each exactly as js-yaml answers. */
const ANSWERED: Record<string, string> = {
  'plain strings': 'a: value\nb: two words\nc: http://x:80/y\nd: a#b\ne: x{y}[0],z\nf: -a\ng: a !b &c\nh: it\'s\ni: b# c\n',
  'a comment holding a colon': 'a:\n  - b #c: d\ne: f #g: h\n',
  'hexadecimal escapes of every digit': 'a: "\\u0009\\u00AF\\u00af\\u0F0f\\u0a0A"\n',
  'an empty value before the next entry': 'a:\n  - b:\n  - c\n',
  'a literal starting with blank lines': 'a: |\n\n  x\nb: |\n  \n  x\n',
  'a literal ending with a line of spaces': 'a: |\n  x\n   \nb: 1\n',
  'an empty kept literal': 'a: |+\nb: 1\n',
  'a kept literal at the end of the text': 'a: |+\n  x\n',
  'a kept literal of several lines': 'a: |+\n  x\n  y\n\nb: 1\n',
  'numbers as the core schema reads them': 'a: 1\nb: -2\nc: +3\nd: 1.0\ne: 0x1F\nf: 0o17\ng: 0b11\nh: 1_000\ni: .5\nj: 1e3\nk: .inf\nl: -.Inf\nm: .NaN\nn: 08\no: 0.\np: 1.2.3\nq: 1_\nr: 0x\ns: -0\nt: 12345678901234567890\n',
  'null and booleans': 'a: ~\nb: null\nc: Null\nd: NULL\ne: nULL\nf: true\ng: True\nh: TRUE\ni: false\nj: False\nk: FALSE\nl: tRUE\nm: yes\nn: on\no:\np: \n',
  'plain keys resolve before they become strings': '1: a\n0x1F: b\n1.5: c\n~: d\n.inf: e\n1_000: f\ntrue: g\nnull2: h\na#b: i\n',
  'double-quoted scalars with JSON escapes': 'a: "x\\"y\\\\z\\/w"\nb: "\\b\\f\\n\\r\\t"\nc: "\\u00e9\\ud83d\\ude00"\nd: ""\ne: "1"\nf: "true"\ng: "a: b # c"\n',
  'single-quoted scalars': "a: 'it''s'\nb: ''\nc: '1'\nd: 'a: b # c'\n",
  'quoted keys': '"f:status": 1\n"a b": 2\n\'c\'\'d\': 3\n".": {}\n"x\\u0041": 4\n',
  'comments after values and on their own lines': '# head\na: 1 # one\nb: "x" # two\nc: [] # three\n  # deeper\nd: # four\n  e: 5\n# col 0\n  f: 6\n',
  'empty flow collections': 'a: {}\nb: []\nc:\n  - {}\n  - []\n',
  'literal block scalars with each chomping': 'a: |\n  x\n   y\n\n  z\n\n\nb: |-\n  x\n\nc: |+\n  x\n\n\nd: |\n  x\n  \ne: |\n  x\n    \n  y\nf: |\n\n\ng: |-\nh: |  \n  # not a comment\n  --- not a marker\n',
  'a literal block at the end of the text, without a line break': 'a: |+\n  x\n  ',
  'literal blocks in sequences and compact mappings': 'a:\n- |\n x\n- y\nb:\n  - c: |\n      z\n    d: 1\n',
  'zero-indented sequences': 'a:\n- b\n- c\nd: 1\ne:\n  f:\n  - g\n',
  'nested sequences of mappings': 'a:\n  - b: 1\n    c:\n      - d: 2\n        e: []\n  -   f: 3\n      g: 4\n  -\n    h: 5\n  -\n  - i\n',
  'a compact mapping with a zero-indented sequence': 'a:\n  - b:\n    - c\n    d: 1\n',
  'empty values': 'a:\nb: ""\nc:\n  d:\ne: 1\n',
  'documents, empty ones and markers': '---\na: 1\n---\n\n---\n# only a comment\n---\nb: 2\n...\n---\nc: 3\n...\n...\n',
  'a document without a first marker, then one after ...': 'a: 1\n...\nb: 2\n',
  'a document at an indentation, as a List item is streamed': '  a: 1\n  b:\n    c: 2\n',
  'keys Object.prototype has': 'constructor: 1\ntoString: 2\nhasOwnProperty: 3\n',
  'no final line break': 'a: 1',
  'raw non-ASCII text and paired surrogates': 'a: é 😀\nb: "😀"\nc: \'😀\'\n😀: d\n',
  'long and empty keys': `${'k'.repeat(2000)}: 1\n"${'q'.repeat(2000)}": 2\n"": 3\n`,
};

/** Texts refused (null), whether js-yaml reads them or reports an error. */
const REFUSED: Record<string, string> = {
  'a flow mapping with content': 'a: {b: 1}\n',
  'an empty flow collection with a space': 'a: [ ]\n',
  'a flow sequence with content': 'a: [1, 2]\n',
  'a flow collection as a key': '{a: 1}: 2\n',
  'an empty flow collection followed by text': 'a: {} x\n',
  'an anchor': 'a: &x 1\n',
  'an alias': 'a: *x\n',
  'an anchor on a key': '&x a: 1\n',
  'a tag': 'a: !!str 1\n',
  'a directive': '%YAML 1.2\n---\na: 1\n',
  'a marker with content': '--- a: 1\n',
  'a marker with a comment': '--- # c\na: 1\n',
  'a key that looks like a marker': '---x: 1\n',
  'a multi-line plain scalar': 'a: b\n  c\n',
  'a multi-line plain scalar in a sequence': 'a:\n  - b\n    c\n',
  'a multi-line double-quoted scalar': 'a: "b\n  c"\n',
  'a multi-line single-quoted scalar': "a: 'b\n  c'\n",
  'a folded scalar': 'a: >\n  b\n',
  'a literal with an indentation indicator': 'a: |2\n  b\n',
  'a literal with a comment on its header': 'a: | # c\n  b\n',
  'a literal followed by a less indented comment': 'a: |\n  x\n # c\nb: 1\n',
  'a literal whose leading blank lines are wider than its text': 'a: |\n    \n  x\n',
  'an empty kept literal with blank lines': 'a: |+\n\n\nb: 1\n',
  'a tab in indentation': 'a:\n\tb: 1\n',
  'a tab in a value': 'a: x\ty\n',
  'a tab after a colon': 'a:\tx\n',
  'a carriage return': 'a: 1\r\nb: 2\r\n',
  'a BOM': '\uFEFFa: 1\n',
  'a non-printable character': 'a: x\u0007y\n',
  'a line separator': 'a: x\u2028y\n',
  'a lone surrogate': 'a: x\uD800y\n',
  'a lone low surrogate': 'a: x\uDC00y\n',
  'a lone surrogate at the end': 'a: x\uD800',
  'a NUL': 'a: x\u0000\n',
  'a DEL': 'a: x\u007f\n',
  'a next-line character': 'a: x\u0085y\n',
  'a paragraph separator': 'a: x\u2029y\n',
  'a non-character': 'a: x\uFFFEy\n',
  'an escape JSON does not have': 'a: "\\x41"\n',
  'an escape of a line break': 'a: "x\\\n  y"\n',
  'a short \\u escape': 'a: "\\u00e"\n',
  'a \\u escape with a character before 0': 'a: "\\u00/0"\n',
  'a \\u escape with a character after 9': 'a: "\\u00:0"\n',
  'a \\u escape with a character before A': 'a: "\\u00@0"\n',
  'a \\u escape with a character after F': 'a: "\\u00G0"\n',
  'a \\u escape with a character before a': 'a: "\\u00`0"\n',
  'a \\u escape with a character after f': 'a: "\\u00g0"\n',
  'mismatched brackets': 'a: [}\n',
  'mismatched braces': 'a: {]\n',
  'an indented marker': 'a:\n  ---\n',
  'a deeper entry after a scalar entry': 'a:\n  - b\n    - c\n',
  'a literal whose leading blank lines narrow': 'a: |\n    \n \n  x\n',
  'an escape at the end of the line': 'a: "x\\\n',
  'a duplicate key': 'a: 1\na: 2\n',
  'a duplicate key after resolving': '1: a\n0x1: b\n',
  'a merge key': '<<: 1\n',
  'an explicit key': '? a\n: 1\n',
  'a key with a space before its colon': 'a : 1\n',
  'a key starting with a dash': '-a: 1\n',
  'an empty plain key': ': 1\n',
  'a value that is a mapping on one line': 'a: b: c\n',
  'a value ending with a colon': 'a: b:\n',
  'a value that is a sequence entry': 'a: - b\n',
  'a value that is a lone dash': 'a: -\n',
  'a value starting with an indicator': 'a: ,b\n',
  'a value starting with a question mark': 'a: ?b\n',
  'a value starting with a colon': 'a: :b\n',
  'a closing bracket': 'a: ]\n',
  'text after a quoted scalar': 'a: "x" y\n',
  'a comment right after a quoted scalar': 'a: "x"#c\n',
  'a quoted key without a space after its colon': '"a":b\n',
  'a sequence in a sequence on one line': 'a:\n  - - b\n',
  'a comment on an entry line': 'a:\n  - # c\n    b: 1\n',
  'a scalar where a key is expected': 'a:\n  b\n',
  'a root sequence': '- a\n- b\n',
  'a root scalar': 'a\n',
  'a key less indented than its siblings': 'a:\n    b: 1\n  c: 2\n',
  'a key more indented than its siblings': 'a: 1\n b: 2\n',
  'an entry after a key with a value': 'a: 1\n- b\n',
  'a compact mapping key misaligned': 'a:\n  - b: 1\n     c: 2\n',
  'a root key at another indentation': '  a: 1\nb: 2\n',
  'text with no content': '# only a comment\n',
  'an empty text': '',
};

describe('block YAML: targeted texts', () => {
  for (const [name, text] of Object.entries(ANSWERED)) {
    it(`answers as js-yaml: ${name}`, () => {
      const answer = parseBlockYaml(text);
      expect(answer).not.toBeNull();
      expect(answer).toStrictEqual(load(text));
    });
  }
  for (const [name, text] of Object.entries(REFUSED)) {
    it(`refuses ${name}`, () => {
      expect(parseBlockYaml(text)).toBeNull();
    });
  }

  it('answers for nesting up to 97 collections deep, where js-yaml answers too, and refuses deeper', () => {
    // [text of n levels, collections it nests]
    const shapes: Record<string, (n: number) => [string, number]> = {
      mappings: (n) => [Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n', n],
      'empty values': (n) => [Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + '\n', n],
      sequences: (n) => [['k:', ...Array.from({ length: n - 1 }, (_, i) => `${' '.repeat(i + 1)}-`)].join('\n') + ' 1\n', n],
      'compact mappings': (n) => [['k:', ...Array.from({ length: n - 1 }, (_, i) => `${' '.repeat(2 * i)}- k:`)].join('\n') + ' 1\n', 2 * n - 1],
    };
    for (const [shape, make] of Object.entries(shapes)) {
      for (let n = 40; n <= 110; n++) {
        const [text, collections] = make(n);
        const answer = parseBlockYaml(text);
        if (collections > 97) {
          expect(answer, `${shape} ${n}`).toBeNull();
        } else {
          expect(answer, `${shape} ${n}`).not.toBeNull();
          expect(answer, `${shape} ${n}`).toStrictEqual(load(text));
        }
      }
    }
  });

  it('defines __proto__ as an own property, as js-yaml does, never as the prototype', () => {
    const text = '__proto__:\n  polluted: 1\na:\n  "__proto__": 2\n';
    const [doc] = parseBlockYaml(text) as [Record<string, unknown>];
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.keys(doc)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(doc, '__proto__')).toEqual({ value: { polluted: 1 }, writable: true, enumerable: true, configurable: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(doc).toStrictEqual(load(text)[0]);
    expect(parseBlockYaml('__proto__: 1\n__proto__: 2\n')).toBeNull();
  });

  it('keeps a literal block exactly, line breaks and trailing spaces included', () => {
    const text = 'data:\n  pipelines: |\n    stages:\n      - name: dev\n\n    # a comment in the text\n    end: "x"  \n';
    expect(parseBlockYaml(text)).toStrictEqual([{ data: { pipelines: 'stages:\n  - name: dev\n\n# a comment in the text\nend: "x"  \n' } }]);
    expect(parseBlockYaml(text)).toStrictEqual(load(text));
  });
});

describe('block YAML: skipping what the store never keeps', () => {
  const object = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    '  managedFields:',
    '  - manager: x',
    '    fieldsV1: {a: [1, *b]}',
    '  labels:',
    '    app: web',
    'spec:',
    '  managedFields: kept',
    '  template:',
    '    metadata:',
    '      managedFields: kept',
    '    spec:',
    '      containers:',
    '        - env:',
    '            - name: A',
    '              value: "secret"',
    '          name: app',
    '          args: [--a, !odd]',
    '          image: web:1',
    '        -',
    '          name: side',
    '          ports: {bad',
    '        - name: third',
    '          env: x',
    '        - name: fourth',
    '      initContainers:',
    '        - name: init',
    '          image: init:1',
    '          command: ["a"]',
    '      volumes:',
    '        - name: v',
    '          emptyDir: {}',
    'status:',
    '  containers:',
    '    - name: kept',
    '      env: kept',
    '',
  ].join('\n');
  const expected = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      managedFields: 'kept',
      template: {
        metadata: { managedFields: 'kept' },
        spec: {
          containers: [
            { env: null, name: 'app', image: 'web:1' },
            { name: 'side' },
            { name: 'third' },
            { name: 'fourth' },
          ],
          initContainers: [{ name: 'init', image: 'init:1' }],
          volumes: [{ name: 'v', emptyDir: {} }],
        },
      },
    },
    status: { containers: [{ name: 'kept', env: 'kept' }] },
  };

  it('drops metadata.managedFields and every container key but name and image, without reading them', () => {
    expect(parseBlockYaml(object, { skipUnread: true })).toStrictEqual([expected]);
    // Parsed whole, the same text is refused: the skipped blocks hold flow collections, an alias, a tag.
    expect(parseBlockYaml(object)).toBeNull();
    expect(parseBlockYaml(dropUnread(object)!)).toStrictEqual([expected]);
  });

  it('does the same for the items of a List, and for no other items', () => {
    const indented = object.split('\n').map((line) => (line === '' ? line : `    ${line}`)).join('\n').replace(/^ {4}/, '  - ');
    const list = `apiVersion: v1\nkind: List\nmetadata:\n  managedFields: []\nitems:\n${indented}`;
    expect(parseBlockYaml(list, { skipUnread: true })).toStrictEqual([{ apiVersion: 'v1', kind: 'List', metadata: {}, items: [expected] }]);
    const nested = 'spec:\n  items:\n    - metadata:\n        managedFields: []\n';
    expect(parseBlockYaml(nested, { skipUnread: true })).toStrictEqual([{ spec: { items: [{ metadata: { managedFields: [] } }] } }]);
    const itemsMapping = 'items:\n  metadata:\n    managedFields: []\n';
    expect(parseBlockYaml(itemsMapping, { skipUnread: true })).toStrictEqual(load(itemsMapping));
  });

  it('keeps containers anywhere but under spec.template.spec', () => {
    const containers = '    containers:\n      - name: a\n        env: kept\n';
    for (const path of ['status:\n  template:\n    spec:\n', 'spec:\n  other:\n    spec:\n', 'spec:\n  template:\n    other:\n', 'kind: x\nspec:\n  template:\n    spec:\n      other:\n  ']) {
      const text = path + containers.replace(/^/gm, '  ').replace(/^ {2}$/, '');
      expect(parseBlockYaml(text, { skipUnread: true }), path).toStrictEqual(load(text));
    }
  });

  it('ends a skipped block at the first line that is not deeper, or an entry at its column', () => {
    const text = 'metadata:\n  managedFields:\n  - a: 1\n\n  # c\n    b: 2\n  name: x\n';
    expect(parseBlockYaml(text, { skipUnread: true })).toStrictEqual([{ metadata: { name: 'x' } }]);
    const last = 'metadata:\n  name: x\n  managedFields:\n    - a\n---\nmetadata:\n  name: y\n';
    expect(parseBlockYaml(last, { skipUnread: true })).toStrictEqual([{ metadata: { name: 'x' } }, { metadata: { name: 'y' } }]);
  });
});

describe('plain scalars resolve with js-yaml\'s own implicit types', () => {
  it('tries the types in the order of the core schema', () => {
    // compiledImplicit is what js-yaml's loader applies, in this order.
    const schema = jsyaml.CORE_SCHEMA as unknown as { implicit: jsyaml.Type[]; compiledImplicit: jsyaml.Type[] };
    expect(schema.compiledImplicit).toHaveLength(IMPLICIT.length);
    schema.compiledImplicit.forEach((type, i) => expect(type).toBe(IMPLICIT[i]));
    expect(IMPLICIT.map((t) => t.tag)).toEqual(['tag:yaml.org,2002:null', 'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float']);
  });

  it('skips the resolvers only for scalars none of them accepts', () => {
    const suffixes = ['', '1', '_', '.5', 'e3', 'x1F', 'o7', 'b1', 'inf', 'Inf', 'INF', 'nan', 'NaN', 'NAN', 'ull', 'ULL', 'rue', 'RUE', 'alse', 'ALSE', 'ame', 'ype', 'abcdefgh', '~', ' x'];
    const candidates = new Set<string>();
    for (let code = 0x20; code < 0x7f; code++) {
      for (const suffix of suffixes) candidates.add(String.fromCharCode(code) + suffix);
    }
    for (const word of ['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '.inf', '-.inf', '+.INF', '.nan', '0x1F', '-0b1', '+0o7', '1_000']) candidates.add(word);
    let resolvable = 0;
    for (const scalar of candidates) {
      const resolves = IMPLICIT.some((type) => type.resolve(scalar));
      if (resolves) resolvable++;
      if (!mayResolve(scalar)) expect(resolves, scalar).toBe(false);
      expect(resolvePlain(scalar), scalar).toStrictEqual(resolveAsJsYaml(scalar));
    }
    expect(resolvable).toBeGreaterThan(50);
  });
});

describe('mayResolve, the shortcut before the resolvers', () => {
  it('is true where a null, a boolean or a number can start, for their lengths', () => {
    const maybe = ['0', '5', '9', '+', '-', '.', '~', 'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'nope', 'NOPE', 'tasks', 'fails'];
    for (const scalar of maybe) expect(mayResolve(scalar), scalar).toBe(true);
  });
  it('is false for every other first character and for other lengths', () => {
    const never = ['/', ':', ',', '*', 'a', 'z', 'A', 'Z', '_', 'm', 'o', 'M', 'O', 's', 'u', 'e', 'E', 'g', 'G', 'y', '~~', '~0', 'n', 'N', 't', 'T', 'f', 'F', 'nul', 'tru', 'fal', 'nulll1', 'truest', 'falsey', 'namespace', 'Ready', 'finalizers', 'template'];
    for (const scalar of never) expect(mayResolve(scalar), scalar).toBe(false);
  });
});

/** What js-yaml makes of a plain scalar, through its public resolvers in the core schema's order. */
function resolveAsJsYaml(scalar: string): unknown {
  for (const type of (jsyaml.CORE_SCHEMA as unknown as { compiledImplicit: jsyaml.Type[] }).compiledImplicit) {
    if (type.resolve(scalar)) return type.construct(scalar);
  }
  return scalar;
}
