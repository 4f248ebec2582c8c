import { defineConfig } from 'vitest/config';
import { graphqlAsNodeResolvesIt } from './vitest.config.ts';

// The e2e suite: one real kube-apiserver + etcd on loopback, started once by
// the global setup and shared by all test files (see test/e2e/global-setup.ts).
export default defineConfig({
  // The same single graphql module as the fast suite (see vitest.config.ts).
  resolve: { alias: [graphqlAsNodeResolvesIt] },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    // Build first: some files run the built server (dist/), as `npm start` does.
    globalSetup: ['test/support/build-once.ts', 'test/e2e/global-setup.ts'],
    // Test files share one cluster (and may restart its apiserver): one file
    // at a time, in a single worker.
    fileParallelism: false,
    maxWorkers: 1,
    // vitest puts no time limit on the global setup itself, which matters on a
    // first run: building kube-apiserver from source takes minutes there.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
