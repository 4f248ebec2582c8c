import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import jsyaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFleet } from '../../../scripts/fleet.js';
import type { KubeObject } from '../kube-object.js';
import { projectObject } from '../store/projection.js';
import { demoSnapshotPath } from './demo-snapshot.js';
import { dropUnread } from './drop-unread.js';
import { REPO, yamlFiles } from '../../../test/support/repo-yaml.js';

/**
 * The YAML pre-filter (drop-unread.ts) must never change what the store keeps. Pinned on
 * every YAML file in the repository (the demo snapshot, test fixtures, deploy/ and the
 * CRDs) and on a small generated fleet in both of its forms (a directory of files, one
 * `kind: List` file): for each, the stored objects parsed from the cut text deep-equal
 * those parsed from the text as written.
 */


const load = (text: string): unknown[] => jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA, json: false });

const isObject = (v: unknown): v is KubeObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as KubeObject).kind === 'string' && typeof (v as KubeObject).metadata === 'object';

/** What the store would keep of a text: each object (a List's items too) projected; anything else as parsed. */
function stored(text: string): unknown[] {
  return load(text).flatMap((document): unknown[] => {
    if (isObject(document) && document.kind.endsWith('List') && Array.isArray((document as { items?: unknown }).items)) {
      return ((document as { items: unknown[] }).items).map((item) => (isObject(item) ? projectObject(item) : item));
    }
    return [isObject(document) ? projectObject(document) : document];
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function generatedFleetFiles(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'drop-unread-corpus-'));
  dirs.push(dir);
  writeFleet(join(dir, 'files'), { scale: 0.002, seed: 3, list: false });
  writeFleet(join(dir, 'list'), { scale: 0.002, seed: 3, list: true });
  return yamlFiles(dir);
}

describe('dropUnread on every snapshot in the repository', () => {
  it('keeps the stored objects identical, file by file', () => {
    const files = [...yamlFiles(REPO), ...generatedFleetFiles()];
    const outcome = { cut: 0, unchanged: 0, declined: 0, unparsable: 0 };
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const slim = dropUnread(text);
      if (slim === null) {
        outcome.declined++;
        continue;
      }
      let whole: unknown[];
      try {
        whole = stored(text);
      } catch {
        // Broken on purpose (a fixture of bad input): the cut text must be refused as well,
        // or the fast path would accept what the careful parser reports.
        outcome.unparsable++;
        expect(() => load(slim), relative(REPO, file)).toThrow();
        continue;
      }
      if (slim === text) outcome.unchanged++;
      else outcome.cut++;
      expect(stored(slim), relative(REPO, file)).toEqual(whole);
    }
    // The corpus is real: the demo and the fixtures are found, and the filter does cut some of them.
    expect(files.length).toBeGreaterThan(30);
    expect(files.some((f) => f.startsWith(demoSnapshotPath()))).toBe(true);
    expect(outcome.cut).toBeGreaterThanOrEqual(5);
  });
});
