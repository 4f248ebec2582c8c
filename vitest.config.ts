import { defineConfig } from 'vitest/config';

// The fast suite: unit tests beside the code and query-level tests in test/.
// The e2e suite (a real kube-apiserver) has its own config and command.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**', 'dist/**'],
    testTimeout: 20_000,
  },
});
