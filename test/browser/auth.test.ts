import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../src/cluster/access/access-policy.js';
import type { AccessReviewer } from '../../src/cluster/access/access-reviewer.js';
import { TokenAuthenticator } from '../../src/cluster/access/token-authenticator.js';
import { bearerAuthenticator } from '../../src/server/auth-token.js';
import { demoSource } from '../support/demo-app.js';
import { launch, openPage, screenshot, startServer, type TestServer } from './browser.js';

const TOKEN = 'team-a.token-value';

/**
 * The API server's two answers, faked at the interface --auth token asks them through: one token
 * is team-a's, and team-a may read every namespace but prod.
 */
const reviewer: AccessReviewer = {
  reviewToken: async (token) => (token === TOKEN ? { authenticated: true, identity: { user: 'team-a', groups: ['system:authenticated'] } } : { authenticated: false, transient: false }),
  mayList: async ({ namespace }) => namespace !== 'prod' && namespace !== '',
};

// Chromium logs every 401 response as a console error; those are the expected answers here.
const unexpected = (problems: string[]) => problems.filter((p) => !/status of 401/.test(p));

describe('the pipeline page with --auth token', () => {
  let browser: Browser;
  let server: TestServer;
  beforeAll(async () => {
    const access = {
      authenticator: bearerAuthenticator(new TokenAuthenticator(reviewer, { ttlMs: 60_000 })),
      policy: new AccessPolicy(reviewer, { ttlMs: 60_000 }),
    };
    [browser, server] = await Promise.all([launch(), demoSource().then((s) => startServer(s, { access }))]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a clear 401 state, takes a token into session storage only, and reads as that user', async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    try {
      await page.goto(`${server.url}/pipelines/hybrid/flux-system/example-pipeline`);
      const alert = page.getByRole('alert');
      await expect.poll(() => alert.innerText().catch(() => '')).toContain('401 Unauthenticated');
      expect(await alert.innerText()).toContain('No bearer token');
      await screenshot(page, 'unauthenticated-1400');

      await page.getByLabel('Bearer token').fill('not-the-token');
      await page.getByRole('button', { name: 'Use token' }).click();
      await expect.poll(() => alert.innerText().catch(() => '')).toContain('was not accepted');

      await page.getByLabel('Bearer token').fill(TOKEN);
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.locator('div.stage').first().waitFor({ timeout: 10_000 });
      expect(await page.locator('div.stage[data-stage="dev"] article.card').count()).toBe(2);
      // team-a may not read prod: that stage says so, in place.
      expect(await page.locator('div.stage[data-stage="prod"] .error-note').innerText()).toContain('FORBIDDEN');
      expect(await page.evaluate(() => ({ session: Object.values(sessionStorage), local: Object.keys(localStorage), cookies: document.cookie }))).toEqual({
        session: [TOKEN],
        local: [],
        cookies: '',
      });

      // A reload keeps the token (same tab); "Forget token" drops it and the 401 state is back.
      await page.reload();
      await page.locator('div.stage').first().waitFor({ timeout: 10_000 });
      await page.getByRole('button', { name: 'Forget token' }).click({ timeout: 10_000 });
      await expect.poll(() => alert.innerText().catch(() => '')).toContain('401 Unauthenticated');
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      expect(unexpected(problems)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('does not share the token with another tab', async () => {
    const first = await openPage(browser, server.url);
    try {
      await first.page.goto(`${server.url}/`);
      await first.page.getByLabel('Bearer token').fill(TOKEN);
      await first.page.getByRole('button', { name: 'Use token' }).click();
      await first.page.locator('table.pipelines tbody tr').first().waitFor();
      const second = await first.context.newPage();
      await second.goto(`${server.url}/`);
      await expect.poll(() => second.getByRole('alert').innerText().catch(() => '')).toContain('401 Unauthenticated');
    } finally {
      await first.context.close();
    }
  });
});
