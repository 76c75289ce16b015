// Package lint for the package in the current directory: publint --strict and attw on the packed tarball.
// ESM-only is intended (Node >= 20.19 can require() it), hence attw's esm-only profile.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = (pkg, rel) => fileURLToPath(new URL(`../node_modules/${pkg}/${rel}`, import.meta.url));

const steps = [
  ['publint', [bin('publint', 'src/cli.js'), '--strict']],
  ['attw', [bin('@arethetypeswrong/cli', 'dist/index.js'), '--pack', '.', '--profile', 'esm-only', '--no-emoji']],
];
for (const [name, args] of steps) {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`lint:package: ${name} failed in ${process.cwd()}`);
    process.exit(result.status ?? 1);
  }
}
