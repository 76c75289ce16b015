// Vitest runs only Keyv's own compliance suite (it is written for vitest); jest runs the rest.
// Workspace packages resolve to their sources, as in the jest preset, so no build is needed.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const resultsDir = process.env.MOTIFS_TEST_RESULTS_DIR;
const src = (pkg) => fileURLToPath(new URL(`../${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@motifs/core': src('core'),
      '@motifs/test-suite': src('test-suite'),
      '@motifs/cacher-memory': src('cacher-memory'),
      '@motifs/cacher-redis': src('cacher-redis'),
    },
  },
  test: {
    include: ['test/**/*.spec.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // The root runner (tools/run.mjs) sums every suite's JSON results into one closing line.
    ...(resultsDir && {
      reporters: ['default', 'json'],
      outputFile: { json: join(resultsDir, `vitest-keyv-${Date.now()}-${process.pid}.json`) },
    }),
  },
});
