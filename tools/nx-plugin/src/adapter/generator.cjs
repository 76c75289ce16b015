// Scaffolds packages/<name> with every convention of the workspace: ESM exports map (types first),
// sideEffects false, core as a peer, shared tsconfig/jest/lint/package-lint scripts, a README
// skeleton and a test file that runs the motif's contract suite from @motifs/test-suite.
const path = require('node:path');
const { generateFiles, names, readJson, updateJson } = require('@nx/devkit');

const MOTIFS = {
  cacher: { iface: 'ICacher', factory: 'createCacher', kinds: 'CacherKinds', contract: 'cacherContract' },
  repo: { iface: 'IRepo', factory: 'createRepo', kinds: 'RepoKinds', contract: 'repoContract' },
  listener: { iface: 'IListener', factory: 'createListener', kinds: 'ListenerKinds', contract: 'listenerContract' },
};

function normalize(options) {
  const name = String(options.name ?? '').trim();
  const match = /^(cacher|repo|listener)-([a-z0-9-]+)$/.exec(name);
  if (!match) throw new Error(`adapter name must look like cacher-xyz, repo-xyz or listener-xyz, got "${name}"`);
  const [, motif, backend] = match;
  return {
    name,
    motif,
    backend,
    kind: backend,
    className: names(name).className,
    backendClass: names(backend).className,
    client: options.client ?? '',
    description: options.description ?? `${names(backend).className} ${motif} for motifs`,
    ...MOTIFS[motif],
  };
}

async function adapterGenerator(tree, options) {
  const o = normalize(options);
  const root = `packages/${o.name}`;
  if (tree.exists(`${root}/package.json`)) throw new Error(`${root} already exists`);
  const core = readJson(tree, 'packages/core/package.json');
  generateFiles(tree, path.join(__dirname, 'files'), root, { ...o, coreVersion: core.version, tmpl: '' });
  if (o.client) {
    updateJson(tree, `${root}/package.json`, (pkg) => ({ ...pkg, dependencies: { ...pkg.dependencies, [o.client]: 'latest' } }));
  }
  return () => {
    console.log(`\nCreated ${root}. Next: pnpm install, implement src/${o.motif}.ts, run \`pnpm exec nx test @motifs/${o.name}\`.`);
  };
}

module.exports = adapterGenerator;
module.exports.default = adapterGenerator;
module.exports.normalize = normalize;
