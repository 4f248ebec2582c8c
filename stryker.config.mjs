// Mutation testing (`npm run test:mutation`): is each promise of the domain code pinned by
// a test? Not part of .ci/run (the whole set, ~5,200 mutants, about 2 h 15 min on two cores, run in
// batches of a few `mutate` globs each: README.md, "Mutation testing").
// Scope one file while working on it:
//   npx stryker run --mutate src/approaches/flux-releases.ts --concurrency 1
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/approaches/**/*.ts',
    'src/model/**/*.ts',
    'src/util/**/*.ts',
    // Cluster domain code. src/cluster/kube/ (the Kubernetes client wiring) is left out:
    // only the e2e suite, against a real API server, reaches it.
    'src/cluster/**/*.ts',
    '!src/cluster/kube/**',
    // The same for the two files of per-user access that only call the API server
    // (TokenReview, SubjectAccessReview) or load that client: test/e2e/auth-access.test.ts
    // runs them against the real kube-apiserver; the policy above them is tested here.
    '!src/cluster/access/kube-access-reviewer.ts',
    '!src/cluster/access/create-access.ts',
    // Runs only as built JavaScript on worker threads, where Stryker's in-process
    // instrumentation cannot reach it; test/parse-pool.test.ts drives the built module.
    '!src/cluster/snapshot/parse-pool.ts',
    'src/server/query-cost.ts',
    'src/server/pipeline-parts.ts',
    'src/server/compiled-parts.ts',
    'src/server/hardening.ts',
    'src/config.ts',
    '!src/**/*.test.ts',
  ],
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  concurrency: 2,
  timeoutMS: 5000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
