import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSource } from '../support/demo-app.js';
import { launch, openPage, screenshot, startServer, type TestServer } from './browser.js';

describe('GraphiQL, with every origin but the server blocked', () => {
  let browser: Browser;
  let server: TestServer;
  beforeAll(async () => {
    [browser, server] = await Promise.all([launch(), demoSource().then((s) => startServer(s))]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens with the example query, runs it and shows the demo pipeline, on every visit', async () => {
    const { page, blocked, problems, context } = await openPage(browser, server.url);
    try {
      // The second visit is the one GraphiQL used to open blank (its restored tabs).
      for (const visit of [1, 2]) {
        await page.goto(`${server.url}/graphql`);
        const editor = page.locator('.graphiql-query-editor .view-lines');
        // Monaco draws spaces as no-break spaces.
        const editorText = async () => (await editor.innerText()).replace(/\u00a0/g, ' ');
        await expect.poll(editorText, { timeout: 30_000 }).toContain('query ExamplePipeline');
        const answered = page.waitForResponse((r) => r.url() === `${server.url}/graphql` && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('ExamplePipeline'));
        await page.locator('button.graphiql-execute-button').click();
        const body = (await (await answered).json()) as { data?: { pipeline?: { stages: { name: string }[] } }; errors?: unknown };
        expect(body.errors, `visit ${visit}`).toBeUndefined();
        expect(body.data?.pipeline?.stages.map((s) => s.name)).toEqual(['dev', 'staging', 'prod']);
        const response = page.locator('.graphiql-response');
        const responseText = async () => (await response.innerText()).replace(/\u00a0/g, ' ');
        await expect.poll(responseText, { timeout: 20_000 }).toContain('"name": "example-pipeline"');
        const text = await responseText();
        expect(text, `visit ${visit}`).toContain('"approach": "HYBRID"');
        // The result pane draws only the lines in view: the top of the answer.
        expect(text).not.toContain('"errors"');
      }
      await screenshot(page, 'graphiql-1400');
      expect(blocked).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
