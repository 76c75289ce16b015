#!/usr/bin/env node
// Release dry run: what would be published is what is tested.
//   1. `pnpm pack` every public package (so `workspace:` ranges are rewritten as on publish) and
//      check no tarball still carries a `workspace:` range;
//   2. install the tarballs outside the workspace, twice:
//      a. with npm, an app that depends on `motifs` alone (ioredis 6 through motifs' own
//         dependency): type-check the seed's sample against the installed types (the seed's import
//         line verbatim) and run it on the memory kinds; with MOTIFS_REDIS_AVAILABLE=1 /
//         MOTIFS_KAFKA_AVAILABLE=1 (set by `npm test`) or --services, also through Redis and Kafka;
//         and bundle the tree-shaking app (core + cacher-memory): no ioredis or kafkajs;
//      b. with pnpm, strict (no hoisting, unmet peers fail), an app inside a pnpm workspace that
//         depends on @motifs/core + @motifs/cacher-redis + its own ioredis 5 (and motifs): core
//         cannot see the adapter from its own location, yet `makeCacher({ kind: 'redis' })` from
//         core finds it from the app's entry module and runs it on the app's ioredis against Redis;
//         the motifs sample runs there too;
//   3. run `changeset version` on a throwaway copy of the workspace manifests and check every
//      pending changeset bumps its packages and writes their changelogs. The tree is never touched.
// Usage: node tools/release-dry.mjs [--keep] [--services]   (build the packages first)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const services = args.includes('--services');
const started = Date.now();
const step = (msg) => console.log(`\n▶ release:dry: ${msg} [${((Date.now() - started) / 1000).toFixed(1)}s]`);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

// pnpm's bin shims (nx runs this through them) export NODE_PATH=<store>/node_modules, which would let
// the installed apps resolve packages from the workspace: they must resolve as a user's plain node would.
delete process.env.NODE_PATH;

function run(cmd, cmdArgs, options = {}) {
  const result = spawnSync(cmd, cmdArgs, { encoding: 'utf8', stdio: options.capture ? 'pipe' : 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    if (options.capture) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    throw new Error(`${basename(cmd)} ${cmdArgs.join(' ')} exited with ${result.status} (in ${options.cwd ?? process.cwd()})`);
  }
  return result.stdout ?? '';
}

const pnpm = [join(root, '.motifs', 'tooling', 'node_modules', '.bin', 'pnpm'), join(root, 'node_modules', '.bin', 'pnpm')].find(existsSync) ?? 'pnpm';
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const changesetBin = join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
/** The ioredis each app installs: one per peer major of the Redis adapters, both run against Redis. */
const NPM_IOREDIS = '6.0.0';
const PNPM_IOREDIS = '^5.9.2';

/** The version of `name` installed at the top of `app`'s node_modules. */
function installedVersion(app, name) {
  const file = join(app, 'node_modules', ...name.split('/'), 'package.json');
  return existsSync(file) ? readJson(file).version : 'none';
}

/** Deletes the sample's keys (record metadata included) from the shared Redis: only its own namespace. */
async function purgeRedisNamespace(url, namespace) {
  const { connectRedis } = await import('./services/resp.mjs');
  const client = await connectRedis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.call('SCAN', cursor, 'MATCH', `*${namespace}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) await client.call('DEL', key);
    } while (cursor !== '0');
  } finally {
    client.close();
  }
}

/** Deletes the sample's Kafka topic, with the kafkajs the clean project installed. */
async function deleteSampleTopic(app, topic) {
  const { Kafka, logLevel } = createRequire(join(app, 'package.json'))('kafkajs');
  const brokers = (process.env.MOTIFS_KAFKA_BROKERS || '127.0.0.1:9092').split(',');
  const admin = new Kafka({ brokers, clientId: 'motifs-release-dry', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = (await admin.listTopics()).filter((t) => t === topic || t === `${topic}.dlq`);
    if (existing.length) await admin.deleteTopics({ topics: existing, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

/** Every workspace package dir (packages/*, examples/*, tools/*) with its manifest. */
function workspaceDirs() {
  const dirs = [];
  for (const parent of ['packages', 'examples', 'tools']) {
    const base = join(root, parent);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) {
      const file = join(base, entry, 'package.json');
      if (existsSync(file)) dirs.push({ dir: join(base, entry), pkg: readJson(file) });
    }
  }
  return dirs;
}

const publicPackages = workspaceDirs().filter(({ dir, pkg }) => !pkg.private && relative(root, dir).startsWith('packages'));
const work = mkdtempSync(join(tmpdir(), 'motifs-release-dry-'));
const failures = [];

try {
  // 1. pack -------------------------------------------------------------------------------------
  step(`packing ${publicPackages.length} public packages`);
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const packed = {};
  for (const { dir, pkg } of publicPackages) {
    if (!existsSync(join(dir, 'dist', 'index.js'))) throw new Error(`${pkg.name} is not built (no dist/index.js): run the build first`);
    const before = new Set(readdirSync(tarballs));
    run(pnpm, ['pack', '--pack-destination', tarballs], { cwd: dir, capture: true });
    const file = readdirSync(tarballs).find((f) => !before.has(f));
    if (!file) throw new Error(`pnpm pack produced no tarball for ${pkg.name}`);
    packed[pkg.name] = join(tarballs, file);
    const manifest = JSON.parse(run('tar', ['-xzOf', packed[pkg.name], 'package/package.json'], { capture: true }));
    const ranges = ['dependencies', 'peerDependencies', 'optionalDependencies']
      .flatMap((field) => Object.entries(manifest[field] ?? {}).map(([name, range]) => `${field}.${name}@${range}`));
    const leaked = ranges.filter((r) => r.includes('workspace:'));
    if (leaked.length) failures.push(`${pkg.name}: tarball still has ${leaked.join(', ')}`);
    const files = run('tar', ['-tzf', packed[pkg.name]], { capture: true }).split('\n').filter(Boolean);
    if (files.some((f) => /\.test\.ts$|\/test\//.test(f))) failures.push(`${pkg.name}: tarball ships test files`);
    console.log(`  ${pkg.name}@${manifest.version}: ${files.length} files, ${ranges.filter((r) => r.includes('@motifs/') || r.startsWith('dependencies.motifs')).join(' ') || 'no internal deps'}`);
  }

  // 2a. npm: an app that depends on `motifs` alone and runs the seed's sample ------------------------
  const withServices = {
    redis: services || process.env.MOTIFS_REDIS_AVAILABLE === '1',
    kafka: services || process.env.MOTIFS_KAFKA_AVAILABLE === '1',
  };
  const redisUrl = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
  step(`npm app: installing motifs (ioredis ${NPM_IOREDIS} through motifs' own dependency) from the tarballs outside the workspace`);
  const app = join(work, 'app');
  mkdirSync(app);
  const fileSpec = (name, from = app) => `file:${relative(from, packed[name])}`;
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({
    name: 'motifs-release-dry-app',
    private: true,
    type: 'module',
    dependencies: { motifs: fileSpec('motifs'), express: '^5.1.0' },
    devDependencies: { '@types/express': '^5.0.3', '@types/node': '^20.19.0' },
    // The packed packages depend on each other by semver range; pin those to the tarballs so npm
    // never reaches for a registry copy of a name we have not published yet. ioredis is pinned to
    // the other peer major than the pnpm app's, so both are run against the real Redis.
    overrides: { ...Object.fromEntries(Object.keys(packed).filter((n) => n !== 'motifs').map((name) => [name, fileSpec(name)])), ioredis: NPM_IOREDIS },
  }, null, 2)}\n`);
  writeFileSync(join(app, '.npmrc'), 'audit=false\nfund=false\nupdate-notifier=false\n');
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app });
  console.log(`  installed: ioredis ${installedVersion(app, 'ioredis')}, kafkajs ${installedVersion(app, 'kafkajs')}, ${Object.keys(packed).map((n) => `${n}@${installedVersion(app, n)}`).join(' ')}`);
  if (!installedVersion(app, 'ioredis').startsWith(NPM_IOREDIS.split('.')[0])) failures.push(`the npm app has ioredis ${installedVersion(app, 'ioredis')}, not ${NPM_IOREDIS}`);

  step('npm app: type-checking the seed sample against the installed packages');
  writeFileSync(join(app, 'tsconfig.json'), `${JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', skipLibCheck: false, types: ['node'] },
    include: ['sample.ts', 'types.ts'],
  }, null, 2)}\n`);
  writeFileSync(join(app, 'sample.ts'), sampleSource());
  writeFileSync(join(app, 'types.ts'), typesSource());
  run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app });

  step(`npm app: running the seed sample through motifs on the memory kinds${withServices.redis ? ' + Redis' : ''}${withServices.kafka ? ' + Kafka' : ''}`);
  const sampleNs = `motifs-release-dry-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    run(process.execPath, [join(app, 'out', 'sample.js')], {
      cwd: app,
      env: { ...process.env, SAMPLE_NS: sampleNs, SAMPLE_REDIS: withServices.redis ? '1' : '', SAMPLE_KAFKA: withServices.kafka ? '1' : '' },
    });
  } finally {
    if (withServices.redis) await purgeRedisNamespace(redisUrl, sampleNs);
    if (withServices.kafka) await deleteSampleTopic(app, sampleNs);
  }

  step('bundling core + cacher-memory from the installed tarballs (tree-shaking as a user gets it)');
  const { build } = await import('esbuild');
  cpSync(join(root, 'tools', 'treeshake', 'app.mjs'), join(app, 'treeshake.mjs'));
  const shaken = await build({
    entryPoints: [join(app, 'treeshake.mjs')],
    absWorkingDir: app,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const shakenInputs = Object.keys(shaken.metafile.inputs);
  const heavy = shakenInputs.filter((p) => /node_modules\/(ioredis|kafkajs|@motifs\/(cacher-redis|repo-redis|listener-kafka|listener-redis))\//.test(p));
  if (!shakenInputs.some((p) => p.includes('node_modules/@motifs/cacher-memory/'))) failures.push('the tree-shaking bundle did not resolve the installed @motifs/cacher-memory');
  if (heavy.length) failures.push(`bundling core + cacher-memory from the tarballs pulled in ${heavy.join(', ')}`);
  console.log(`  ${(shaken.outputFiles[0].contents.length / 1024).toFixed(1)} KiB minified, ${heavy.length ? 'NOT ' : ''}free of ioredis and kafkajs`);

  // 2b. pnpm, strict layout: @motifs/core + one adapter + the app's own ioredis, and motifs ------------
  // A pnpm workspace with the app in apps/api, as in a monorepo: the virtual store sits at the
  // workspace root, so neither core nor any ancestor directory of it can see the app's adapter.
  step(`pnpm app (strict layout, no hoisting, app in a workspace): @motifs/core + @motifs/cacher-redis + the app's own ioredis ${PNPM_IOREDIS}, and motifs`);
  const pws = join(work, 'pnpm-workspace');
  const papp = join(pws, 'apps', 'api');
  mkdirSync(papp, { recursive: true });
  const tarballSpecs = Object.fromEntries(Object.keys(packed).map((name) => [name, `file:${packed[name]}`]));
  writeFileSync(join(pws, 'package.json'), `${JSON.stringify({ name: 'motifs-release-dry-pnpm', private: true, pnpm: { overrides: tarballSpecs } }, null, 2)}\n`);
  writeFileSync(join(pws, 'pnpm-workspace.yaml'), 'packages:\n  - apps/*\n');
  // No hoisting at all (not even pnpm's hidden node_modules/.pnpm/node_modules), and an unmet peer
  // fails the install: each package sees only what it declares.
  writeFileSync(join(pws, '.npmrc'), 'hoist=false\nshamefully-hoist=false\nauto-install-peers=false\nstrict-peer-dependencies=true\n');
  writeFileSync(join(papp, 'package.json'), `${JSON.stringify({
    name: 'api',
    private: true,
    type: 'module',
    dependencies: {
      '@motifs/core': tarballSpecs['@motifs/core'],
      '@motifs/cacher-redis': tarballSpecs['@motifs/cacher-redis'],
      motifs: tarballSpecs.motifs,
      ioredis: PNPM_IOREDIS,
      express: '^5.1.0',
    },
  }, null, 2)}\n`);
  run(pnpm, ['install', '--prefer-offline', '--reporter=append-only'], { cwd: pws, capture: true });
  const coreDir = realpathSync(join(papp, 'node_modules', '@motifs', 'core'));
  // Asked in a fresh node process: this one may have started with NODE_PATH (read once, at start-up).
  const coreSees = (() => {
    const probe = `try { process.stdout.write(require('node:module').createRequire(${JSON.stringify(join(coreDir, 'package.json'))}).resolve('@motifs/cacher-redis')); } catch {}`;
    const out = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', cwd: pws });
    return out.stdout.trim() || undefined;
  })();
  if (coreSees) failures.push(`the pnpm app is not strict: @motifs/core can resolve @motifs/cacher-redis itself (${coreSees})`);
  if (existsSync(join(pws, 'node_modules', '.pnpm', 'node_modules'))) failures.push('the pnpm app hoisted packages into node_modules/.pnpm/node_modules');
  const adapterIoredis = JSON.parse(readFileSync(createRequire(join(realpathSync(join(papp, 'node_modules', '@motifs', 'cacher-redis')), 'package.json')).resolve('ioredis/package.json'), 'utf8')).version;
  console.log(`  installed: ioredis ${installedVersion(papp, 'ioredis')} (the app's; @motifs/cacher-redis uses ${adapterIoredis}), @motifs/core@${installedVersion(papp, '@motifs/core')}; core ${coreSees ? 'CAN' : 'cannot'} resolve @motifs/cacher-redis from its own location`);
  if (adapterIoredis !== installedVersion(papp, 'ioredis')) failures.push(`@motifs/cacher-redis in the pnpm app uses ioredis ${adapterIoredis}, not the app's ${installedVersion(papp, 'ioredis')}`);

  step(`pnpm app: makeCacher({ kind: 'redis' }) from @motifs/core finds the adapter from the app's entry module (run from the workspace root, whose cwd cannot see it)${withServices.redis ? ', against Redis' : ''}`);
  writeFileSync(join(papp, 'core-sample.mjs'), coreSampleSource());
  const pnpmNs = `${sampleNs}-pnpm`;
  try {
    run(process.execPath, [join(papp, 'core-sample.mjs')], { cwd: pws, env: { ...process.env, SAMPLE_NS: pnpmNs, SAMPLE_REDIS: withServices.redis ? '1' : '' } });
  } finally {
    if (withServices.redis) await purgeRedisNamespace(redisUrl, pnpmNs);
  }

  step(`pnpm app: the seed sample through motifs${withServices.redis ? ' + Redis' : ''}`);
  cpSync(join(app, 'out', 'sample.js'), join(papp, 'sample.js'));
  try {
    run(process.execPath, [join(papp, 'sample.js')], { cwd: pws, env: { ...process.env, SAMPLE_NS: pnpmNs, SAMPLE_REDIS: withServices.redis ? '1' : '', SAMPLE_KAFKA: '' } });
  } finally {
    if (withServices.redis) await purgeRedisNamespace(redisUrl, pnpmNs);
  }

  // 3. changeset version on a throwaway copy -----------------------------------------------------
  step('changeset version on a throwaway copy of the manifests');
  const copy = join(work, 'changeset');
  mkdirSync(copy);
  for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(root, file), join(copy, file));
  cpSync(join(root, '.changeset'), join(copy, '.changeset'), { recursive: true });
  for (const { dir } of workspaceDirs()) {
    const target = join(copy, relative(root, dir));
    mkdirSync(target, { recursive: true });
    for (const file of ['package.json', 'CHANGELOG.md']) if (existsSync(join(dir, file))) cpSync(join(dir, file), join(target, file));
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const pending = readdirSync(join(copy, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
  const expected = new Map();
  for (const file of pending) {
    const front = readFileSync(join(copy, '.changeset', file), 'utf8').match(/^---\n([\s\S]*?)\n---/);
    for (const line of (front?.[1] ?? '').split('\n')) {
      const m = line.match(/^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/);
      if (m) expected.set(m[1], [...(expected.get(m[1]) ?? []), `${file}:${m[2]}`]);
    }
  }
  const before = Object.fromEntries(workspaceDirs().map(({ dir, pkg }) => [pkg.name, { version: pkg.version, rel: relative(root, dir) }]));
  run(process.execPath, [changesetBin, 'version'], { cwd: copy, capture: true, env: { ...process.env, CI: 'true' } });
  // The root `version` script's second step: every adapter's core peer floor follows the released core.
  run(process.execPath, [join(root, 'tools', 'sync-core-peer.mjs'), copy], { cwd: copy, capture: true });
  const coreAfter = readJson(join(copy, 'packages', 'core', 'package.json')).version;
  for (const { dir, pkg } of workspaceDirs()) {
    const peer = readJson(join(copy, relative(root, dir), 'package.json')).peerDependencies?.['@motifs/core'];
    if (peer && !peer.includes(`>=${coreAfter.split('.').slice(0, 2).join('.')}.0 `)) {
      failures.push(`${pkg.name}'s @motifs/core peer range ${peer} does not start at the released core ${coreAfter}`);
    }
  }
  let bumped = 0;
  const unaskedMajors = [];
  for (const [name, { version, rel }] of Object.entries(before)) {
    const after = readJson(join(copy, rel, 'package.json')).version;
    const changelog = existsSync(join(copy, rel, 'CHANGELOG.md'));
    if (after !== version) {
      bumped += 1;
      console.log(`  ${name}: ${version} -> ${after}${changelog ? ' (CHANGELOG.md written)' : ''}`);
      if (!changelog) failures.push(`changeset version bumped ${name} but wrote no CHANGELOG.md`);
    }
    if (expected.has(name) && after === version) failures.push(`${name} has changesets (${expected.get(name).join(', ')}) but changeset version did not bump it`);
    const major = (v) => Number(v.split('.')[0]);
    const askedMajor = (expected.get(name) ?? []).some((e) => e.endsWith(':major'));
    if (major(after) > major(version) && !askedMajor) unaskedMajors.push(`${name} ${version} -> ${after}`);
  }
  if (unaskedMajors.length) {
    failures.push(`changeset version would release majors no changeset asked for: ${unaskedMajors.join(', ')}. `
      + 'Changesets bumps the peer dependents of a package by a major whenever it gets a minor (here @motifs/core). Fix: set '
      + '___experimentalUnsafeOptions_WILL_CHANGE_IN_PATCH.onlyUpdatePeerDependentsWhenOutOfRange in .changeset/config.json '
      + 'and give the peers a range that admits the next core minor (e.g. "workspace:>=0.1.0 <1.0.0"), or release core as 1.0.0');
  }
  for (const name of expected.keys()) if (!before[name]) failures.push(`a changeset names ${name}, which is not a workspace package`);
  if (readdirSync(join(copy, '.changeset')).some((f) => pending.includes(f))) failures.push('changeset version left changesets unconsumed');
  console.log(`  ${pending.length} pending changeset(s), ${bumped} package(s) bumped; the workspace itself was not touched`);
} catch (err) {
  failures.push(err instanceof Error ? err.message : String(err));
} finally {
  if (keep) console.log(`\n(kept ${work})`);
  else rmSync(work, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`\n✖ release:dry failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log(`\n✔ release:dry passed [${((Date.now() - started) / 1000).toFixed(1)}s]`);

// --------------------------------------------------------------------------------------------------
// The seed's sample application, made correct, compiled against the installed tarballs. The first
// import is the seed's line, verbatim.
function sampleSource() {
  return String.raw`import express from 'express';
import { IBaseDto, makeCacher, makeListener, makeRepo, MotifsErrorNotFound } from 'motifs';
import { makePublisher, isMotifsError } from 'motifs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

interface IContact extends IBaseDto {
  firstName: string;
  lastName: string;
  dob: string;
}

interface IAlienContactCreated {
  id?: string;
  planet?: string;
}

function check(ok: unknown, what: string): void {
  if (!ok) throw new Error('sample check failed: ' + what);
  console.log('  ✔ ' + what);
}

const loaded = () => Object.keys(createRequire(import.meta.url).cache);
const ns = process.env.SAMPLE_NS || 'motifs-release-dry-' + Date.now().toString(36);

async function main() {
  const app = express();
  app.use(express.json());
  const cacheExpiry10Mins = 10 * 60 * 1000;
  const contactCacher = await makeCacher({ kind: 'memory' });
  const contactRepo = await makeRepo<IContact>({ kind: 'memory', name: 'contacts' });
  const created: string[] = [];
  contactRepo.em.on('contacts.create.after', async ({ dto }: { dto: IContact }) => {
    created.push(dto.id);
  });
  const contractListener = await makeListener<IAlienContactCreated>({ channelId: 'mars', kind: 'memory' });
  const publisher = await makePublisher<IAlienContactCreated>({ channelId: 'mars', kind: 'memory' });
  const heard = new Promise<IAlienContactCreated>((resolve) => contractListener.onMessage(async (msg) => resolve(msg)));
  await contractListener.listen();

  app.post('/contacts', async (req, res) => {
    const { firstName, lastName, dob } = req.body ?? {};
    if (typeof firstName !== 'string' || typeof lastName !== 'string' || typeof dob !== 'string') {
      res.status(400).json({ error: 'firstName, lastName and dob are required strings' });
      return;
    }
    const data = await contactRepo.create({ firstName, lastName, dob });
    res.status(201).json({ data });
  });
  app.get('/contacts/:id', async (req, res) => {
    const { id } = req.params;
    const key = 'contacts/' + id;
    try {
      const cached = await contactCacher.getItem<IContact>(key);
      res.set('x-cache', 'hit').json({ data: cached });
      return;
    } catch (err) {
      if (!(err instanceof MotifsErrorNotFound)) throw err;
    }
    try {
      const contact = await contactRepo.retrieve(id);
      await contactCacher.setItem(key, contact, cacheExpiry10Mins); // cache aside
      res.set('x-cache', 'miss').json({ data: contact });
    } catch (err) {
      if (err instanceof MotifsErrorNotFound) res.status(404).json({ error: 'not found' });
      else res.status(500).json({ error: 'server error' });
    }
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = 'http://127.0.0.1:' + (server.address() as AddressInfo).port;
  try {
    const post = await fetch(base + '/contacts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10' }) });
    const { data } = (await post.json()) as { data: IContact };
    check(post.status === 201 && typeof data.id === 'string', 'POST /contacts creates a contact with an id');
    check(created.includes(data.id), 'contacts.create.after fired');
    const first = await fetch(base + '/contacts/' + data.id);
    const second = await fetch(base + '/contacts/' + data.id);
    check(first.headers.get('x-cache') === 'miss' && second.headers.get('x-cache') === 'hit', 'second GET is a cache hit');
    check(((await second.json()) as { data: IContact }).data.lastName === 'Lovelace', 'cached contact round-trips');
    check((await fetch(base + '/contacts/nope')).status === 404, 'missing contact is a 404 (MotifsErrorNotFound)');
    await publisher.publish({ id: data.id, planet: 'mars' });
    check((await heard).id === data.id, 'a message published on mars reaches the listener');
    check(!loaded().some((p) => /[\\/]node_modules[\\/](ioredis|kafkajs)[\\/]/.test(p)), 'memory kinds never load ioredis or kafkajs');
  } finally {
    server.close();
    await Promise.all([contractListener.close(), publisher.close(), contactRepo.close(), contactCacher.close()]);
  }

  try {
    await makeCacher({ kind: 'nope' } as never);
    check(false, 'unknown kind rejects');
  } catch (err) {
    check(isMotifsError(err, 'MOTIFS_ADAPTER_MISSING'), 'an unknown kind rejects with MOTIFS_ADAPTER_MISSING');
  }

  if (process.env.SAMPLE_REDIS) {
    const url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
    const cacher = await makeCacher({ kind: 'redis', namespace: ns, redis: { url } });
    const repo = await makeRepo<IContact>({ kind: 'redis', name: 'contacts', namespace: ns, redis: { url } });
    try {
      await cacher.setItem('contacts/1', { firstName: 'Ada' }, 60_000);
      check(((await cacher.getItem('contacts/1')) as IContact).firstName === 'Ada', 'redis cacher round-trips (installed ioredis)');
      check(loaded().some((p) => /[\\/]node_modules[\\/]ioredis[\\/]/.test(p)), 'ioredis is loaded once a redis kind is built (so the memory check above can see it)');
      const c = await repo.create({ firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10' });
      check((await repo.retrieve(c.id)).id === c.id, 'redis repo round-trips');
      await repo.delete_(c.id);
      await cacher.delItem('contacts/1');
    } finally {
      await Promise.all([cacher.close(), repo.close()]);
    }
  }

  if (process.env.SAMPLE_KAFKA) {
    const brokers = (process.env.MOTIFS_KAFKA_BROKERS || '127.0.0.1:9092').split(',');
    const kafka = { brokers, groupId: ns };
    const listener = await makeListener<IAlienContactCreated>({ channelId: ns, kind: 'kafka', kafka });
    const pub = await makePublisher<IAlienContactCreated>({ channelId: ns, kind: 'kafka', kafka });
    try {
      const got = new Promise<IAlienContactCreated>((resolve) => listener.onMessage(async (msg) => resolve(msg)));
      listener.onError(async (err) => console.log('  (listener reported: ' + (err instanceof Error ? err.message : String(err)) + ')'));
      // listen() itself waits out the moment a just auto-created topic is not yet known.
      await listener.listen();
      await pub.publish({ id: 'k1', planet: 'mars' });
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no Kafka message within 60 s')), 60_000).unref());
      check((await Promise.race([got, timeout])).id === 'k1', 'a message goes through Kafka (installed kafkajs)');
    } finally {
      await Promise.all([listener.close(), pub.close()]);
    }
  }
}

main().then(
  () => console.log('  sample ok'),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
`;
}

// Type-only checks against the installed declarations: the adapters' kind options arrive through
// `motifs` alone, and a wrong option is a compile error.
function typesSource() {
  return String.raw`import { makeCacher, makeListener, makeRepo, type IBaseDto } from 'motifs';
import { makeCacher as coreMakeCacher, registerKind } from '@motifs/core';
import type {} from '@motifs/cacher-memory';
import { createCacher } from '@motifs/cacher-redis';
import * as kit from '@motifs/core/kit';
import * as umbrella from 'motifs';

interface IContact extends IBaseDto { firstName: string }

export async function typeChecks(): Promise<void> {
  await makeCacher({ kind: 'redis', redis: { url: 'redis://127.0.0.1:6379' } });
  await makeRepo<IContact>({ kind: 'redis', name: 'contacts', redis: { url: 'redis://127.0.0.1:6379' } });
  await makeListener({ channelId: 'mars', kind: 'kafka', kafka: { url: 'localhost:9092' } });
  await coreMakeCacher({ kind: 'memory' });
  // @ts-expect-error no such kind
  await makeCacher({ kind: 'memcached' });
  // The core README's way out when core cannot find an adapter: register its factory yourself.
  registerKind('cacher', 'redis', createCacher);
  // Adapter authors' names are on @motifs/core/kit only, never on the user entries.
  void kit.CacherBase;
  // @ts-expect-error the kit is not part of motifs
  void umbrella.CacherBase;
}
`;
}

// What an app on a strict pnpm install writes with @motifs/core and only the adapter it uses. Plain
// JavaScript: the types were checked in the npm app.
function coreSampleSource() {
  return String.raw`import { isMotifsError, makeCacher } from '@motifs/core';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

function check(ok, what) {
  if (!ok) throw new Error('core sample check failed: ' + what);
  console.log('  ✔ ' + what);
}

const require = createRequire(import.meta.url);
const appIoredis = JSON.parse(readFileSync(require.resolve('ioredis/package.json'), 'utf8')).version;

try {
  await makeCacher({ kind: 'memory' });
  check(false, 'a kind whose adapter is not installed rejects');
} catch (err) {
  check(isMotifsError(err, 'MOTIFS_ADAPTER_MISSING') && err.message.includes('npm i @motifs/cacher-memory'),
    'a kind whose adapter the app did not install rejects with MOTIFS_ADAPTER_MISSING and the npm i line');
}

if (process.env.SAMPLE_REDIS) {
  const url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
  const cacher = await makeCacher({ kind: 'redis', namespace: process.env.SAMPLE_NS, redis: { url } });
  try {
    await cacher.setItem('contacts/1', { firstName: 'Ada' }, 60_000);
    check((await cacher.getItem('contacts/1')).firstName === 'Ada', 'makeCacher({ kind: "redis" }) from @motifs/core round-trips through Redis with ioredis ' + appIoredis);
    const loaded = Object.keys(require.cache).filter((p) => /[\\/]ioredis@[^\\/]+[\\/]/.test(p));
    check(loaded.length > 0 && loaded.every((p) => p.includes('ioredis@' + appIoredis + '/')), 'the adapter runs on the app\'s own ioredis ' + appIoredis + ' (one copy loaded)');
    await cacher.delItem('contacts/1');
  } finally {
    await cacher.close();
  }
} else {
  console.log('  (no Redis: the redis kind was not built; run with --services or MOTIFS_REDIS_AVAILABLE=1)');
}
console.log('  core sample ok');
`;
}
