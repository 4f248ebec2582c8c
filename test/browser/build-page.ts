import { execFileSync } from 'node:child_process';
import { ROOT } from '../support/processes.js';
import { findChromium } from './browser.js';

/**
 * Global setup: fail at once, with the fix, when there is no browser; then build the server and
 * the page exactly as `npm run build` does (the page is served from dist/web).
 */
export default function buildPage(): void {
  findChromium();
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}
