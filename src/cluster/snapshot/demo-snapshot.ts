import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bundled demo snapshot, found from this module's location so it works from
 * src/ (tests) and from dist/src/ (the built service) alike.
 */
export function demoSnapshotPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'demo', 'snapshot');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the built-in demo snapshot (demo/snapshot) is missing from this installation');
    dir = parent;
  }
}
