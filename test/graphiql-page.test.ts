import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphiqlRenders } from '../src/server/graphiql-page.js';
import { appFor, demoSource } from './support/demo-app.js';

/*
 * GraphiQL's page (a 9 MB module that held ~30 MiB of heap when imported at start) is
 * rendered in a worker thread on the first request for it, once per set of options.
 * Module state is per test file, so the render count starts at 0 here.
 */

const askForPage = (app: ReturnType<typeof appFor>) => app.fetch('http://test.local/graphql', { headers: { accept: 'text/html' } });

describe('GraphiQL page', () => {
  it('is not rendered by creating the app or answering queries, only by the first request for it, and then served from what was rendered', async () => {
    const app = appFor(await demoSource());
    const answer = await app.fetch('http://test.local/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ pipelines { name } }' }),
    });
    expect(answer.status).toBe(200);
    expect(graphiqlRenders()).toBe(0);

    // Two browsers at once: one render between them.
    const [first, second] = await Promise.all([askForPage(app), askForPage(app)]);
    expect(graphiqlRenders()).toBe(1);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await first.text();
    expect(html).toContain('YogaGraphiQL.renderYogaGraphiQL');
    expect(html).toContain('query ExamplePipeline');
    expect(html).toContain('<title>flux-pipelines-api</title>');
    expect(await second.text()).toBe(html);

    // Later requests, and another app with the same options, reuse the page: its bytes are not used up by serving them.
    const later = await askForPage(app);
    expect(await later.text()).toBe(html);
    const other = await askForPage(appFor(await demoSource()));
    expect(await other.text()).toBe(html);
    expect(graphiqlRenders()).toBe(1);
  });

  it('is loaded by no module of the service itself: only the page thread requires it', () => {
    const importers: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.tsx?$/.test(entry.name) && /from ['"]@graphql-yoga\/render-graphiql['"]|import\(['"]@graphql-yoga\/render-graphiql/.test(readFileSync(path, 'utf8'))) importers.push(path);
      }
    };
    walk(join(import.meta.dirname, '..', 'src'));
    expect(importers).toEqual([]);
    expect(readFileSync(join(import.meta.dirname, '..', 'src', 'server', 'graphiql-page.ts'), 'utf8')).toContain(".resolve('@graphql-yoga/render-graphiql')");
  });
});
