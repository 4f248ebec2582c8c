// Finding the bundled demo snapshot (src/cluster/snapshot/demo-snapshot.ts): the nearest
// folder up that holds both package.json and demo/snapshot, and a clear error when the
// installation has none. Searched in temporary trees of the test's own.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { demoSnapshotPath } from '../src/cluster/snapshot/demo-snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'demo-path-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(name: string, { pkg, snapshot }: { pkg: boolean; snapshot: boolean }): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'dist', 'src', 'cluster'), { recursive: true });
  if (pkg) writeFileSync(join(dir, 'package.json'), '{}');
  if (snapshot) mkdirSync(join(dir, 'demo', 'snapshot'), { recursive: true });
  return dir;
}

describe('demoSnapshotPath', () => {
  it('finds this installation\'s demo/snapshot from the module\'s own location', () => {
    expect(demoSnapshotPath()).toBe(fileURLToPath(new URL('../demo/snapshot', import.meta.url)));
  });

  it('walks up to the nearest folder holding both package.json and demo/snapshot', () => {
    const outer = tree('outer', { pkg: true, snapshot: true });
    // A package without the snapshot and a snapshot folder without a package are passed by.
    const inner = join(outer, 'nested');
    mkdirSync(join(inner, 'demo', 'snapshot'), { recursive: true });
    mkdirSync(join(inner, 'pkg-only', 'src'), { recursive: true });
    writeFileSync(join(inner, 'pkg-only', 'package.json'), '{}');
    expect(demoSnapshotPath(join(inner, 'pkg-only', 'src'))).toBe(join(outer, 'demo', 'snapshot'));
    expect(demoSnapshotPath(join(outer, 'dist', 'src', 'cluster'))).toBe(join(outer, 'demo', 'snapshot'));
    expect(demoSnapshotPath(outer)).toBe(join(outer, 'demo', 'snapshot'));
  });

  it('says the demo snapshot is missing from the installation when no folder up holds it', () => {
    const bare = tree('bare', { pkg: true, snapshot: false });
    expect(() => demoSnapshotPath(join(bare, 'dist', 'src', 'cluster'))).toThrow(new Error('the built-in demo snapshot (demo/snapshot) is missing from this installation'));
    const unpackaged = tree('unpackaged', { pkg: false, snapshot: true });
    expect(() => demoSnapshotPath(join(unpackaged, 'dist'))).toThrow('the built-in demo snapshot (demo/snapshot) is missing from this installation');
  });
});
