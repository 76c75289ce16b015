// Package lint for the package in the current directory: publint --strict and attw on the packed tarball.
// ESM-only is intended (Node >= 20.19 can require() it), hence attw's esm-only profile.
//
// attw is given a tarball packed here into a private temporary directory, not `--pack .`: that packs
// into the package directory itself, and in a full CI run (nx running tasks side by side) the tarball
// was sometimes gone before attw read or removed it (ENOENT on open or unlink), failing the lint.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = (pkg, rel) => fileURLToPath(new URL(`../node_modules/${pkg}/${rel}`, import.meta.url));

function run(name, command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`lint:package: ${name} failed in ${process.cwd()}${result.error ? ` (${result.error.message})` : ''}`);
    process.exit(result.status ?? 1);
  }
}

run('publint', process.execPath, [bin('publint', 'src/cli.js'), '--strict']);
const dest = mkdtempSync(join(tmpdir(), 'motifs-lint-package-'));
// process.exit (a failed step) skips finally blocks; the exit event still runs.
process.on('exit', () => rmSync(dest, { recursive: true, force: true }));
run('pnpm pack', 'pnpm', ['pack', '--pack-destination', dest, '--config.ignore-scripts=true']);
const tarballs = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
if (tarballs.length !== 1) {
  console.error(`lint:package: pnpm pack left ${tarballs.length} tarballs in ${dest}, expected 1`);
  process.exit(1);
}
run('attw', process.execPath, [bin('@arethetypeswrong/cli', 'dist/index.js'), join(dest, tarballs[0]), '--profile', 'esm-only', '--no-emoji']);
