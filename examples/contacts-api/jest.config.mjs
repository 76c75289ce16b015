import { readFileSync } from 'node:fs';
import { preset } from '../../tools/jest/preset.mjs';

// The app depends on `motifs` only; map the umbrella's own workspace dependencies (core and the
// adapters) to their sources too, so the tests exercise the code under edit without a build.
const base = preset(import.meta.url);
const umbrella = JSON.parse(readFileSync(new URL('../../packages/motifs/package.json', import.meta.url), 'utf8'));
for (const name of Object.keys(umbrella.dependencies)) {
  // ioredis and kafkajs are the umbrella's real dependencies: they resolve from node_modules.
  if (!name.startsWith('@motifs/')) continue;
  const dir = name.replace('@motifs/', '');
  base.moduleNameMapper[`^${name.replace('/', '\\/')}$`] = new URL(`../../packages/${dir}/src/index.ts`, import.meta.url).pathname;
}
base.moduleNameMapper['^@motifs\\/core\\/kit$'] = new URL('../../packages/core/src/kit.ts', import.meta.url).pathname;

export default base;
