import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Vitest global setup: process-level tests run the built entry points (dist/), exactly
 * what `npm start` and `npx flux-pipelines` run, so build once before they start.
 */
export default function buildOnce(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
