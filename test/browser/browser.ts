import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ClusterSource } from '../../src/cluster/reader.js';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createApp, type AppOptions } from '../../src/server/create-app.js';
import { createHttpServer } from '../../src/server/http-server.js';
import { ROOT } from '../support/processes.js';

/** Where screenshots go (gitignored); every test that writes one says so in its output. */
export const OUTPUT_DIR = join(ROOT, 'test', 'browser', 'output');

/** Debian's chromium (apt-get install chromium), or CHROMIUM_PATH. Browser downloads do not work here. */
export function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  for (const path of candidates) if (existsSync(path)) return path;
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
    if (found) return found;
  } catch {
    // Not on PATH either: reported below.
  }
  throw new Error('No chromium found (looked at CHROMIUM_PATH, /usr/bin/chromium, PATH). Install it with `apt-get install -y chromium` (.ci/run does).');
}

export async function launch(): Promise<Browser> {
  // --no-sandbox: CI runs as root in a container, where chromium's sandbox cannot start.
  return chromium.launch({ executablePath: findChromium(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface TestServer {
  url: string;
  close: () => Promise<void>;
}

/** The real HTTP server and GraphQL app, in this process, over the given source, on loopback. */
export async function startServer(source: ClusterSource, options: Partial<AppOptions> = {}): Promise<TestServer> {
  const logger = createLogger('silent');
  const server: Server = createHttpServer({
    app: createApp({ source, logger, ...options }),
    source,
    logger,
    isDraining: () => false,
    maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes,
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** Requests to any origin but the server's: aborted, and listed here. */
  blocked: string[];
  /** Console errors, uncaught exceptions and failed requests of the page. */
  problems: string[];
}

/** A fresh context whose page may reach only `origin`; everything else is aborted and recorded. */
export async function openPage(browser: Browser, origin: string, viewport = { width: 1400, height: 900 }): Promise<Watched> {
  const context = await browser.newContext({ viewport });
  const blocked: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    // Navigations away abort in-flight requests; those are not the page's fault.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return { context, page, blocked, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const path = join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot written: ${path}`);
  return path;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core in the page. It goes in through the DevTools protocol, not a <script>, so the
 * page's CSP stays as served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => (window as unknown as { axe: { run: (o: object) => Promise<{ violations: AxeViolation[] }> } }).axe.run({ resultTypes: ['violations'] }));
  return result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((n) => ({ target: n.target })) }));
}
