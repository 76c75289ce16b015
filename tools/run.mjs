#!/usr/bin/env node
// The two commands of the quick start (`npm start`, `npm test`) land here. Needs only Node >= 20.19
// and npm: pnpm is installed into .motifs/tooling on first use, dependencies are installed when the
// lockfile changed, and what the command needs is built through nx (cached).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFailures, jsonFailures, tapFailures } from './report/failures.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const CI = process.env.CI === 'true' || process.env.CI === '1';
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = pkg.packageManager.split('@')[1];
const tooling = join(root, '.motifs', 'tooling');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`motifs needs Node >= 20.19 (this is ${process.version})`);
  process.exit(1);
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (msg) => console.log(`\n▶ ${msg} [${elapsed()}]`);

function env(extra = {}) {
  const bins = [join(tooling, 'node_modules', '.bin'), join(root, 'node_modules', '.bin')];
  return {
    ...process.env,
    PATH: [...bins, process.env.PATH].join(delimiter),
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_SKIP_NX_CACHE: process.env.NX_SKIP_NX_CACHE ?? '',
    NX_TUI: 'false',
    FORCE_COLOR: process.env.FORCE_COLOR ?? '0',
    ...extra,
  };
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: env(options.env), shell: false });
  if (result.error) throw result.error;
  if (result.status !== 0 && !options.allowFailure) {
    console.error(`\n✖ ${cmd} ${args.join(' ')} exited with ${result.status} [${elapsed()}]`);
    process.exit(result.status ?? 1);
  }
  return result.status ?? 1;
}

const pnpmBin = join(tooling, 'node_modules', '.bin', 'pnpm');

function ensurePnpm() {
  const marker = join(tooling, 'node_modules', 'pnpm', 'package.json');
  if (existsSync(marker) && JSON.parse(readFileSync(marker, 'utf8')).version === pnpmVersion) return;
  log(`installing pnpm ${pnpmVersion} into .motifs/tooling (once)`);
  mkdirSync(tooling, { recursive: true });
  writeFileSync(join(tooling, 'package.json'), '{"private":true}\n');
  run('npm', ['install', '--prefix', tooling, '--no-audit', '--no-fund', '--loglevel=error', `pnpm@${pnpmVersion}`]);
}

/** Installs when the lockfile or any package.json is newer than the last install. */
function ensureInstalled() {
  ensurePnpm();
  const stamp = join(root, 'node_modules', '.motifs-installed');
  const inputs = ['pnpm-lock.yaml', 'package.json', 'pnpm-workspace.yaml'].map((f) => join(root, f)).filter(existsSync);
  const newest = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest && !CI) return;
  log('installing dependencies (pnpm install)');
  run(pnpmBin, ['install', ...(CI ? ['--frozen-lockfile'] : []), '--reporter=append-only']);
  writeFileSync(stamp, new Date().toISOString());
}

function nx(args, extraEnv, options = {}) {
  return run(pnpmBin, ['exec', 'nx', ...args, '--outputStyle=stream'], { env: extraEnv, ...options });
}

async function servicesUp() {
  const services = await import(join(root, 'tools', 'services', 'index.mjs'));
  try {
    const status = await services.up({ ci: CI });
    return { services, status };
  } catch (err) {
    // In CI a service that cannot be started fails the run: integration suites must run, not skip.
    console.error(`\n✖ ${err.message} [${elapsed()}]`);
    process.exit(1);
  }
}

function serviceEnv(status) {
  const out = {};
  for (const [name, s] of Object.entries(status)) {
    const key = name.toUpperCase().replace(/-/g, '_'); // redis-cluster -> MOTIFS_REDIS_CLUSTER_AVAILABLE
    out[`MOTIFS_${key}_AVAILABLE`] = s.available ? '1' : '0';
    if (s.reason) out[`MOTIFS_${key}_REASON`] = String(s.reason);
  }
  if (status.redis?.url) out.MOTIFS_REDIS_URL = status.redis.url;
  if (status.kafka?.brokers) out.MOTIFS_KAFKA_BROKERS = status.kafka.brokers;
  const cluster = status['redis-cluster'];
  if (cluster?.nodes) out.MOTIFS_REDIS_CLUSTER_NODES = cluster.nodes;
  const sentinel = status['redis-sentinel'];
  if (sentinel?.sentinels) out.MOTIFS_REDIS_SENTINELS = sentinel.sentinels;
  if (sentinel?.name) out.MOTIFS_REDIS_SENTINEL_NAME = sentinel.name;
  if (sentinel?.servers) out.MOTIFS_REDIS_SENTINEL_SERVERS = sentinel.servers;
  return out;
}

/** The current LTS Node, from the npm registry's `node` package, cached in .motifs/tooling. */
function ltsNode() {
  const dir = join(root, '.motifs', 'node-lts');
  const bin = join(dir, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bin)) {
    log('installing Node 24 (npm package node@24) into .motifs/node-lts (once)');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
    const status = run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', 'node@24'], { allowFailure: !CI });
    if (status !== 0) return undefined;
  }
  return bin;
}

const resultsDir = join(root, '.motifs', 'test-results');

/** Sums the JSON results jest and vitest wrote, and node:test's TAP counts, for one closing line; collects the failed tests. */
function summarize() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  for (const file of existsSync(resultsDir) ? readdirSync(resultsDir) : []) {
    const text = readFileSync(join(resultsDir, file), 'utf8');
    if (file.endsWith('.json')) {
      const r = JSON.parse(text);
      passed += r.numPassedTests ?? 0;
      failed += (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0);
      skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
      failures.push(...jsonFailures(r).map((f) => ({ ...f, file })));
    } else if (file.endsWith('.tap')) {
      const count = (label) => Number(text.match(new RegExp(`^# ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
      passed += count('pass');
      failed += count('fail') + count('cancelled');
      skipped += count('skipped') + count('todo');
      failures.push(...tapFailures(text).map((f) => ({ ...f, file })));
    }
  }
  return { passed, failed, skipped, failures };
}

async function test() {
  ensureInstalled();
  rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });
  process.env.MOTIFS_TEST_RESULTS_DIR = resultsDir;
  log('build, typecheck, lint and package lint (nx, cached)');
  nx(['run-many', '-t', 'build', 'typecheck', 'lint', 'lint:package', 'api']);
  log('starting services (tools/services up)');
  const { services, status } = await servicesUp();
  const skipped = Object.entries(status).filter(([, s]) => !s.available);
  let code = 0;
  try {
    log('test suites, unit and integration, on Node ' + process.version);
    code = nx(['run-many', '-t', 'test', '--parallel=1'], serviceEnv(status), { allowFailure: true }) || code;
    // The listener-kafka cluster suites leave the 3-node Kafka cluster up for each other; stop its JVMs before the later steps.
    if (CI) await services.clusterDown({ log: (line) => console.log(`motifs services: ${line}`) });
    log('release dry run (packed tarballs installed outside the workspace) and tree-shaking budget');
    code = nx(['run-many', '-t', 'treeshake', 'release:dry', '--projects=motifs', '--parallel=1'], serviceEnv(status), { allowFailure: true }) || code;
    const toolTests = ['services', 'bench', 'report'].map((tool) => join(root, 'tools', tool, 'test')).filter((dir) => existsSync(dir));
    if (toolTests.length) {
      log('tools/services, tools/bench and tools/report tests (node:test)');
      // Explicit files: `node --test <dir>` means different things on Node 20 and 22+.
      const files = toolTests.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).map((f) => join(dir, f)));
      const tap = join(resultsDir, 'services.tap');
      code = run(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
        '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files], { allowFailure: true, env: serviceEnv(status) }) || code;
    }
    const node24 = process.env.MOTIFS_SKIP_LTS === '1' ? undefined : ltsNode();
    if (node24) {
      const version = spawnSync(node24, ['--version'], { encoding: 'utf8' }).stdout.trim();
      log(`unit suites again on Node ${version}`);
      code = run(node24, ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
        '--config', join(root, 'jest.config.mjs'), '--testPathIgnorePatterns', '\\.integration\\.test\\.ts$', ...(CI ? ['--ci'] : []),
        '--json', `--outputFile=${join(resultsDir, 'jest-node24-unit.json')}`],
      { allowFailure: true }) || code;
    } else {
      console.log('!!! unit suites on the current LTS Node were SKIPPED: node@24 could not be installed !!!');
    }
    if (process.env.MOTIFS_SKIP_CHAOS === '1') {
      console.log('!!! chaos suite SKIPPED (MOTIFS_SKIP_CHAOS=1) !!!');
    } else {
      log('chaos suite (tools/chaos: each experiment on its own redis-server / broker, time-bounded)');
      code = run(process.execPath, [join(root, 'tools', 'chaos', 'run.mjs'), '--tap', join(resultsDir, 'chaos.tap')],
        { allowFailure: true, env: serviceEnv(status) }) || code;
    }
  } finally {
    if (CI) await services.down(); // stops only what tools/services started
  }
  for (const [name, s] of skipped) {
    console.log(`\n!!! motifs: integration suites for ${name} were SKIPPED: ${s.reason} !!!`);
  }
  const total = summarize();
  const digest = formatFailures(total.failures);
  if (digest) console.log(digest);
  log(code === 0 ? 'all tests passed' : 'tests FAILED');
  // One plain closing line with the counts of every runner above (jest, vitest, node:test).
  console.log(`motifs: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  if (total.passed === 0) code = code || 1;
  process.exit(code);
}

async function start() {
  ensureInstalled();
  const app = join(root, 'examples', 'contacts-api');
  if (!existsSync(join(app, 'package.json'))) {
    log('building');
    nx(['run-many', '-t', 'build']);
    run(process.execPath, [join(root, 'tools', 'start.mjs')]);
    return;
  }
  log('building the contacts API and the packages it uses (nx, cached)');
  nx(['run', 'contacts-api:build']);
  log('starting examples/contacts-api (MOTIFS_BACKEND=memory|redis; Ctrl-C or SIGTERM stops it gracefully)');
  // Node runs the app directly (not through pnpm) so a signal reaches it in one hop. Ctrl-C already
  // goes to the whole terminal process group, so only SIGTERM (sent to this process alone) is
  // forwarded; forwarding SIGINT too would make the app see a second signal and exit at once.
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [join(app, 'dist', 'main.js')], { cwd: app, stdio: 'inherit', env: env() });
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const [command, ...rest] = process.argv.slice(2);
switch (command) {
  case 'test':
    await test();
    break;
  case 'start':
    await start();
    break;
  case 'build':
    ensureInstalled();
    nx(['run-many', '-t', 'build']);
    break;
  case 'bench':
    ensureInstalled();
    nx(['run-many', '-t', 'build']);
    run(process.execPath, [join(root, 'tools', 'bench', 'run.mjs'), ...rest]);
    break;
  case 'chaos':
    ensureInstalled();
    nx(['run-many', '-t', 'build']);
    run(process.execPath, [join(root, 'tools', 'chaos', 'run.mjs'), ...rest]);
    break;
  case 'exec':
    ensureInstalled();
    run(pnpmBin, ['exec', ...rest]);
    break;
  default:
    console.error('usage: node tools/run.mjs test|start|build|bench|chaos|exec <cmd>');
    process.exit(2);
}
