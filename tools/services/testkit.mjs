// Helpers for the node:test suites in ./test (not used by the tooling itself). It lives outside
// ./test because Node 20's `node --test <dir>` runs every .mjs file under a `test` directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, pidRunning, sleep, which, writeJson } from './util.mjs';

export { freePort };

const close = (server) => new Promise((resolve) => server.close(() => resolve()));

export const servicesDir = dirname(fileURLToPath(import.meta.url));
export const cliPath = join(servicesDir, 'cli.mjs');
export const repoRoot = join(servicesDir, '..', '..');
export const LOOPBACK = '127.0.0.1';
// The shared services other people use right now: tests only read from / PING them, never stop them.
export const SHARED_REDIS_URL = `redis://${LOOPBACK}:6379`;
export const SHARED_KAFKA = { host: LOOPBACK, port: 9092 };

/** A temp dir removed by t.after (also used as MOTIFS_STATE_DIR so the real .motifs is never written). */
export function tempDir(t, prefix = 'motifs-services-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}


/** A TCP server on a random loopback port; `onConnection(socket)` decides what it says. Closed by t.after. */
export async function tcpServer(t, onConnection) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise((resolve) => server.listen(0, LOOPBACK, resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await close(server);
  });
  return { server, port: server.address().port };
}

/**
 * A dir whose only entries are symlinks to `node` and (when installed) `mvn`: a PATH on which the CLI
 * runs but java, javac and redis-server cannot be found.
 */
export function bareBin(t) {
  const dir = tempDir(t, 'motifs-services-bin-');
  symlinkSync(process.execPath, join(dir, 'node'));
  const mvn = which('mvn');
  if (mvn) symlinkSync(mvn, join(dir, 'mvn'));
  return dir;
}

let honoured;
/**
 * Safety net: resolves true only if tools/services really reads its state from MOTIFS_STATE_DIR (it
 * must find "our" redis-server and broker recorded in a temp dir). Were that override broken, an
 * `up`/`down` in these tests would act on the real .motifs, i.e. on the shared broker.
 */
export function stateDirHonoured() {
  honoured ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'motifs-services-canary-'));
    const fakes = ['redis-server', 'kafka.Kafka'].map((marker) =>
      spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', marker], { stdio: 'ignore' }),
    );
    try {
      await Promise.all(fakes.map((child) => new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject))));
      const [redisPort, kafkaPort] = [await freePort(), await freePort({ pair: true })];
      writeJson(join(dir, 'redis', 'state.json'), { pid: fakes[0].pid, port: redisPort });
      writeJson(join(dir, 'kafka', 'state.json'), { pid: fakes[1].pid, port: kafkaPort, version: 'canary' });
      const { status } = await import('./index.mjs');
      const env = { MOTIFS_STATE_DIR: dir, MOTIFS_REDIS_URL: `redis://127.0.0.1:${redisPort}`, MOTIFS_KAFKA_BROKERS: `127.0.0.1:${kafkaPort}` };
      const s = await status({ env, log: () => {} });
      return s.redis.startedByUs === true && s.kafka.startedByUs === true && s.kafka.version === 'canary';
    } finally {
      for (const child of fakes) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return honoured;
}

/** Refuses `up`/`down` unless they are pointed at a temp MOTIFS_STATE_DIR that is known to be honoured. */
async function guard(args, env) {
  if (!['up', 'down'].includes(args[0])) return;
  if (!env.MOTIFS_STATE_DIR || env.MOTIFS_STATE_DIR.startsWith(repoRoot)) {
    throw new Error(`tests must run \`${args[0]}\` with MOTIFS_STATE_DIR set to a temp dir`);
  }
  if (!(await stateDirHonoured())) {
    throw new Error(`MOTIFS_STATE_DIR is not honoured by tools/services: refusing to run \`${args[0]}\` (it could act on the real .motifs state)`);
  }
}

/**
 * Runs the CLI in a child process with exactly the env given (plus PATH and HOME when not given):
 * nothing leaks in from the parent, so CI, JAVA_HOME and MOTIFS_* are only set when a test sets them.
 */
export async function runCli(args, env, { timeoutMs = 30_000 } = {}) {
  await guard(args, env);
  const fullEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  for (const [k, v] of Object.entries(fullEnv)) if (v === undefined) delete fullEnv[k];
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [cliPath, ...args], { env: fullEnv, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started, child });
    });
  });
}

/** Starts the CLI without waiting (for lock tests); killed by t.after if still running. */
export async function spawnCli(t, args, env) {
  await guard(args, env);
  const fullEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  const child = spawn(process.execPath, [cliPath, ...args], { env: fullEnv, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '', code: null };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  out.done = new Promise((resolve) => child.once('close', (code) => resolve((out.code = code))));
  t.after(() => {
    if (out.code === null) child.kill('SIGKILL');
  });
  return { child, out };
}

/** A long-lived child process whose command line contains `marker` (to stand in for a broker pid etc.). */
export async function dummyProcess(t, marker = 'motifs-dummy') {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', marker], { stdio: 'ignore' });
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

export async function waitFor(predicate, timeoutMs = 5000, stepMs = 50) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(stepMs)) if (await predicate()) return true;
  return Boolean(await predicate());
}

/**
 * Last-resort cleanup for redis-servers a test started on `port` (a free port it picked, never the
 * shared 6379): found through /proc, so it works even when the state files are wrong or missing.
 */
export function killRedisOnPort(port) {
  if (port === 6379) return;
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return;
  }
  for (const pid of pids) {
    const args = cmdline(pid).split(' ');
    const onPort = args.includes(`127.0.0.1:${port}`) || args.join(' ').includes(`--port ${port} `);
    if (args[0]?.endsWith('redis-server') && onPort && pidRunning(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
  }
}

export const readJsonFile = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The status line the CLI prints for one service, e.g. `  redis  up    redis://…  started by motifs`. */
export function statusLine(stdout, name) {
  return stdout.split('\n').find((l) => l.startsWith(`  ${name.padEnd(6)} `)) ?? '';
}
