import { defineConfig } from 'vitest/config';
import { graphqlAsNodeResolvesIt } from './vitest.config.js';

// The fast suite as StrykerJS runs it (stryker.config.mjs): only tests that execute src/
// in-process can kill a mutant, so the tests that drive the built server and CLI as
// processes are left out, and so is the build step they need (Stryker would otherwise
// rebuild dist/ before every test run). The few process-level tests left in
// hardening.test.ts run the dist/ that `npm run test:mutation` builds first.
export default defineConfig({
  resolve: { alias: [graphqlAsNodeResolvesIt] },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/browser/**', 'node_modules/**', 'dist/**', 'test/cli.test.ts', 'test/server.test.ts', 'test/demo-snapshot.test.ts', 'test/process/**'],
    testTimeout: 20_000,
  },
});
