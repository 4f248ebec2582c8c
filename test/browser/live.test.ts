import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '../../src/cluster/create-source.js';
import type { ClusterSource } from '../../src/cluster/reader.js';
import { ROOT } from '../support/processes.js';
import { launch, openPage, screenshot, startServer, type TestServer } from './browser.js';

describe('the pipeline page, live', () => {
  let browser: Browser;
  let server: TestServer;
  let source: ClusterSource;
  let dir: string;
  beforeAll(async () => {
    // A copy of the demo snapshot as a watched directory source.
    dir = mkdtempSync(join(tmpdir(), 'page-live-'));
    cpSync(join(ROOT, 'demo', 'snapshot'), dir, { recursive: true });
    source = await createSource({ type: 'snapshot', path: dir });
    [browser, server] = await Promise.all([launch(), startServer(source)]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await source?.stop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redraws within 2 s of a snapshot file edit, over its subscription, without reloading or polling', async () => {
    const { page, context, problems, blocked } = await openPage(browser, server.url);
    try {
      const graphqlRequests: string[] = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/graphql')) graphqlRequests.push(`${r.method()} ${r.headers()['accept'] ?? ''}`);
      });
      await page.goto(`${server.url}/pipelines/hybrid/flux-system/example-pipeline`);
      const live = page.locator('.live-state');
      await expect.poll(() => live.innerText(), { timeout: 20_000 }).toBe('Live');
      const staging = page.locator('div.stage[data-stage="staging"] article[data-release="HelmRelease/podinfo-pipeline-helm"] .version');
      expect(await staging.innerText()).toBe('6.1.7');
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

      // Staging's HelmRelease now reports chart 6.1.9 (its document only: the second of the file),
      // with a new resourceVersion, as the API server gives every change (the store compares them).
      const file = join(dir, 'helmreleases.yaml');
      const docs = readFileSync(file, 'utf8').split('\n---\n');
      expect(docs[1]).toContain('namespace: staging');
      expect(docs[1]).toMatch(/resourceVersion: "\d+"/);
      docs[1] = docs[1]!.replaceAll('6.1.7', '6.1.9').replace(/resourceVersion: "(\d+)"/, (_m, rv: string) => `resourceVersion: "${Number(rv) + 1000}"`);
      const edited = Date.now();
      writeFileSync(file, docs.join('\n---\n'));
      await expect.poll(() => staging.innerText(), { timeout: 2_000, interval: 50 }).toBe('6.1.9');
      console.log(`the page changed ${Date.now() - edited} ms after the file was written`);

      expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
      expect(await live.innerText()).toBe('Live');
      // One query-less page: a single event-stream POST, nothing repeated.
      expect(graphqlRequests).toEqual(['POST text/event-stream']);
      await screenshot(page, 'live-after-edit-1400');

      // A file broken mid-edit: the server keeps the last good state and says it is stale; so does the page.
      const good = readFileSync(file, 'utf8');
      writeFileSync(file, `${good}\n---\nkind: [unclosed\n`);
      await expect.poll(() => live.innerText(), { timeout: 2_000, interval: 50 }).toMatch(/^Stale since \d/);
      expect(await staging.innerText()).toBe('6.1.9');
      await screenshot(page, 'live-stale-1400');
      writeFileSync(file, good);
      await expect.poll(() => live.innerText(), { timeout: 2_000, interval: 50 }).toBe('Live');
      expect(problems).toEqual([]);
      expect(blocked).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
