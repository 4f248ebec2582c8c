import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bundled demo snapshot, found from this module's location so it works from
 * src/ (tests) and from dist/src/ (the built service) alike: the nearest folder up from
 * `from` that holds both package.json and demo/snapshot. (`from` is a parameter so tests
 * can search a tree of their own, with the snapshot missing.)
 */
export function demoSnapshotPath(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'demo', 'snapshot');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the built-in demo snapshot (demo/snapshot) is missing from this installation');
    dir = parent;
  }
}
