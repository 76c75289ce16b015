#!/usr/bin/env node
// Run after `changeset version` (root script `npm run version`): raises the floor of every
// package's `@motifs/core` peer range to the core minor it is now released with, so an adapter
// never claims to work with an older core whose kit lacks what it uses.
//
// Why a floor and not `^0.x`: changesets bumps every peer dependent by a MAJOR when a core minor
// leaves the dependent's range (changesets/changesets#794), so `^0.2.0` would turn each core
// minor into a 1.0.0 of every adapter. `>=0.<minor>.0 <1.0.0` stays in range for later core
// minors while excluding the older ones. A core minor that breaks the kit must carry a changeset
// for the adapters it breaks (see CONTRIBUTING.md).
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
const core = JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8'));
const [major, minor] = core.version.split('.').map(Number);
const floor = `${major}.${minor}.0`;
const range = `workspace:>=${floor} <${major + 1}.0.0`;
let changed = 0;
for (const entry of readdirSync(join(root, 'packages'))) {
  const file = join(root, 'packages', entry, 'package.json');
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8');
  const pkg = JSON.parse(text);
  const current = pkg.peerDependencies?.['@motifs/core'];
  if (!current || current === range) continue;
  // Edit the text in place so the file keeps its formatting.
  const next = text.replace(`"@motifs/core": "${current}"`, `"@motifs/core": "${range}"`);
  if (next === text) throw new Error(`${file}: could not rewrite the @motifs/core peer range ${current}`);
  writeFileSync(file, next);
  changed += 1;
  console.log(`${pkg.name}: @motifs/core peer ${current} -> ${range}`);
}
console.log(`sync-core-peer: core ${core.version}; ${changed} peer range(s) raised`);
