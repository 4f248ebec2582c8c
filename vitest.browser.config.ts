import { defineConfig } from 'vitest/config';
import { graphqlAsNodeResolvesIt } from './vitest.config.js';

// The browser suite: the built page and GraphiQL in Debian's chromium, driven by playwright-core.
// One file at a time: each starts a browser, and the CI machines have two cores.
export default defineConfig({
  resolve: { alias: [graphqlAsNodeResolvesIt] },
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 25_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    globalSetup: ['test/browser/build-page.ts'],
  },
});
