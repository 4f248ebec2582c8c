import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { demoSnapshotPath } from '../../src/cluster/snapshot/demo-snapshot.js';

/** The repository's root, found from the demo snapshot's place in it. */
export const REPO = join(demoSnapshotPath(), '..', '..');

/** Build output, dependencies and reports: not the repository's own YAML. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', 'reports', '.stryker-tmp']);

/** Every YAML file under `dir` that the repository itself holds (demo, fixtures, crds, deploy…). */
export function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...yamlFiles(join(dir, entry.name)));
    } else if (/\.ya?ml$/.test(entry.name)) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}
