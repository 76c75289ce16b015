#!/usr/bin/env node
// Release dry run: what would be published is what is tested.
//   1. `pnpm pack` every public package (so `workspace:` ranges are rewritten as on publish) and
//      check no tarball still carries a `workspace:` range;
//   2. install the tarballs with npm into a clean project outside the workspace, type-check the
//      seed's sample against the installed types (the seed's import line verbatim) and run it on
//      the memory kinds; with MOTIFS_REDIS_AVAILABLE=1 / MOTIFS_KAFKA_AVAILABLE=1 (set by
//      `npm test`) or --services, also round-trip through Redis and Kafka; and bundle the
//      tree-shaking app (core + cacher-memory) from the installed packages: no ioredis or kafkajs;
//   3. run `changeset version` on a throwaway copy of the workspace manifests and check every
//      pending changeset bumps its packages and writes their changelogs. The tree is never touched.
// Usage: node tools/release-dry.mjs [--keep] [--services]   (build the packages first)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

  // 2. install outside the workspace and run the seed's sample ---------------------------------
  step('installing the tarballs with npm into a clean project outside the workspace');
  const app = join(work, 'app');
  mkdirSync(app);
  const fileSpec = (name) => `file:${relative(app, packed[name])}`;
  const deps = Object.fromEntries(Object.keys(packed).map((name) => [name, fileSpec(name)]));
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({
    name: 'motifs-release-dry-app',
    private: true,
    type: 'module',
    dependencies: { ...deps, express: '^5.1.0' },
    devDependencies: { '@types/express': '^5.0.3', '@types/node': '^20.19.0' },
    // The packed packages depend on each other by semver range; pin those to the tarballs so npm
    // never reaches for a registry copy of a name we have not published yet.
    overrides: Object.fromEntries(Object.keys(packed).map((name) => [name, `$${name}`])),
  }, null, 2)}\n`);
  writeFileSync(join(app, '.npmrc'), 'audit=false\nfund=false\nupdate-notifier=false\n');
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app });
  for (const name of Object.keys(packed)) {
    const installed = join(app, 'node_modules', ...name.split('/'), 'package.json');
    if (!existsSync(installed)) failures.push(`${name} is not installed at the top level of the clean project`);
  }

  step('type-checking the seed sample against the installed packages');
  writeFileSync(join(app, 'tsconfig.json'), `${JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', skipLibCheck: false, types: ['node'] },
    include: ['sample.ts', 'types.ts'],
  }, null, 2)}\n`);
  writeFileSync(join(app, 'sample.ts'), sampleSource());
  writeFileSync(join(app, 'types.ts'), typesSource());
  run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app });

  const withServices = {
    redis: services || process.env.MOTIFS_REDIS_AVAILABLE === '1',
    kafka: services || process.env.MOTIFS_KAFKA_AVAILABLE === '1',
  };
  step(`running the seed sample on the memory kinds${withServices.redis ? ' + Redis' : ''}${withServices.kafka ? ' + Kafka' : ''}`);
  const sampleNs = `motifs-release-dry-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    run(process.execPath, [join(app, 'out', 'sample.js')], {
      cwd: app,
      env: { ...process.env, SAMPLE_NS: sampleNs, SAMPLE_REDIS: withServices.redis ? '1' : '', SAMPLE_KAFKA: withServices.kafka ? '1' : '' },
    });
  } finally {
    if (withServices.redis) await purgeRedisNamespace(process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379', sampleNs);
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
  const heavy = shakenInputs.filter((p) => /node_modules\/(ioredis|kafkajs|@motifs\/(cacher-redis|repo-redis|listener-kafka))\//.test(p));
  if (!shakenInputs.some((p) => p.includes('node_modules/@motifs/cacher-memory/'))) failures.push('the tree-shaking bundle did not resolve the installed @motifs/cacher-memory');
  if (heavy.length) failures.push(`bundling core + cacher-memory from the tarballs pulled in ${heavy.join(', ')}`);
  console.log(`  ${(shaken.outputFiles[0].contents.length / 1024).toFixed(1)} KiB minified, ${heavy.length ? 'NOT ' : ''}free of ioredis and kafkajs`);

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
import { makeCacher as coreMakeCacher } from '@motifs/core';
import type {} from '@motifs/cacher-memory';

interface IContact extends IBaseDto { firstName: string }

export async function typeChecks(): Promise<void> {
  await makeCacher({ kind: 'redis', redis: { url: 'redis://127.0.0.1:6379' } });
  await makeRepo<IContact>({ kind: 'redis', name: 'contacts', redis: { url: 'redis://127.0.0.1:6379' } });
  await makeListener({ channelId: 'mars', kind: 'kafka', kafka: { url: 'localhost:9092' } });
  await coreMakeCacher({ kind: 'memory' });
  // @ts-expect-error no such kind
  await makeCacher({ kind: 'memcached' });
}
`;
}
