// Vitest runs only Keyv's own compliance suite (it is written for vitest); jest runs the rest.
// Workspace packages resolve to their sources, as in the jest preset, so no build is needed.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const resultsDir = process.env.MOTIFS_TEST_RESULTS_DIR;
const src = (pkg, file = 'index') => fileURLToPath(new URL(`../${pkg}/src/${file}.ts`, import.meta.url));
// Exact matches: a bare string alias would also rewrite `@motifs/core/kit` to `.../index.ts/kit`.
const exact = (name, target) => ({ find: new RegExp(`^${name}$`), replacement: target });

export default defineConfig({
  resolve: {
    alias: [
      exact('@motifs/core', src('core')),
      exact('@motifs/core/kit', src('core', 'kit')),
      exact('@motifs/test-suite', src('test-suite')),
      exact('@motifs/cacher-memory', src('cacher-memory')),
      exact('@motifs/cacher-redis', src('cacher-redis')),
    ],
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
