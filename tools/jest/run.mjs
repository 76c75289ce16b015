// Runs jest for the package in the current directory with the flags native ESM needs.
// MOTIFS_NODE_BIN lets the root runner repeat the unit suites on another Node (e.g. the current LTS).
import { spawnSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const jestBin = fileURLToPath(new URL('../../node_modules/jest/bin/jest.js', import.meta.url));
const node = process.env.MOTIFS_NODE_BIN || process.execPath;
const args = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jestBin, ...process.argv.slice(2)];
if (process.env.CI === 'true' && !args.includes('--ci')) args.push('--ci');
// The root runner collects every suite's counts for one closing summary line.
const resultsDir = process.env.MOTIFS_TEST_RESULTS_DIR;
if (resultsDir) {
  const name = `jest-${basename(process.cwd())}-${Date.now()}-${process.pid}.json`;
  args.push('--json', `--outputFile=${join(resultsDir, name)}`);
}
// pnpm's bin shims export NODE_PATH=<store>/node_modules, which makes every hoisted package
// resolvable; tests must resolve as a user's plain `node` would, so it is dropped.
const { NODE_PATH: _ignored, ...env } = process.env;
const result = spawnSync(node, args, { stdio: 'inherit', env });
process.exit(result.status ?? 1);
