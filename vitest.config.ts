import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Node resolves `graphql` to its CommonJS build for every importer, graphql-yoga included.
// Vite would hand our sources the .mjs build instead: two GraphQLError classes, and
// `instanceof` checks that pass in production would fail only under test.
export const graphqlAsNodeResolvesIt = { find: /^graphql$/, replacement: require.resolve('graphql') };

// The fast suite: unit tests beside the code and query-level tests in test/.
// The e2e suite (a real kube-apiserver) and the browser suite (chromium) have their own configs and commands.
export default defineConfig({
  resolve: { alias: [graphqlAsNodeResolvesIt] },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/browser/**', 'node_modules/**', 'dist/**'],
    testTimeout: 20_000,
    globalSetup: ['test/support/build-once.ts'],
  },
});
