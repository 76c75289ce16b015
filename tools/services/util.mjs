// Small helpers shared by the service modules. Node built-ins only: this runs before `pnpm install`.
import { accessSync, constants, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import net from 'node:net';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where tools/services keeps its state (pids, logs, broker data, lock, services.json). */
export const stateDir = (root = repoRoot, env = process.env) => (env.MOTIFS_STATE_DIR ? resolve(env.MOTIFS_STATE_DIR) : join(root, '.motifs'));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
export const sha256 = (text) => createHash('sha256').update(text).digest('hex');
export const randomId = () => Math.random().toString(36).slice(2, 10);
export const isLocalHost = (host) => ['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0'].includes(host);

/** Resolve an executable the way a shell would, so "not found" can be reported instead of ENOENT later. */
export function which(cmd, env = process.env) {
  for (const dir of (env.PATH || '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, cmd);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

export function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

export function writeJson(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The pid a pid file holds, or 0 while it is missing or not written yet: redis-server creates its
 * pid file before it writes the pid, so a file read in between is empty.
 */
export function pidInFile(file) {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return 0;
  }
}

export function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * A pid file can outlive its process and the pid be reused by something unrelated, so before
 * trusting (or killing) a pid we check that its command line still looks like what we started.
 */
export function pidLooksLike(pid, needle) {
  if (!pidAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(needle); // empty for zombies, so they never match
  } catch {
    return process.platform !== 'linux'; // no /proc: the liveness check is all we have
  }
}

/** Zombie children still answer kill(pid, 0); /proc tells the truth on Linux. */
export function pidRunning(pid) {
  if (!pidAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return true;
  }
}

export async function stopPid(pid, { graceMs = 30_000, log = () => {} } = {}) {
  if (!pidRunning(pid)) return 'not running';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!pidRunning(pid)) return 'stopped';
    await sleep(200);
  }
  log(`pid ${pid} ignored SIGTERM for ${seconds(graceMs)}, sending SIGKILL`);
  process.kill(pid, 'SIGKILL');
  await sleep(200);
  return 'killed';
}

/** Resolves true when something accepts a TCP connection; used to tell "free" from "taken" ports. */
export function portOpen(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Cross-process lock (mkdir is atomic) so that parallel test targets calling `up` at the same time
 * do not both format and start a broker. A lock whose owner died is taken over.
 */
export async function withLock(dir, fn, { waitMs = 300_000 } = {}) {
  const ownerFile = join(dir, 'owner');
  const deadline = Date.now() + waitMs;
  mkdirSync(dirname(dir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = 0;
      let age = 0;
      try {
        age = Date.now() - statSync(dir).mtimeMs;
        owner = Number(readFileSync(ownerFile, 'utf8'));
      } catch {
        /* released meanwhile, or owner not written yet */
      }
      if ((owner && !pidAlive(owner)) || (!owner && age > 10_000)) rmSync(dir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${dir} (held by pid ${owner})`);
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** spawn without blocking the event loop (callers such as the test runner may have timers running). */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', (err) => resolve({ code: -1, stdout, stderr: stderr + err.message }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function listen(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
const close = (server) => new Promise((resolve) => server.close(() => resolve()));

/** A loopback port nothing listens on; with `pair`, port + 1 is free as well (Kafka's controller). */
export async function freePort({ pair = false } = {}) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const a = await listen(0);
    const port = a.address().port;
    let b = null;
    try {
      if (pair) b = await listen(port + 1);
      return port;
    } catch {
      /* port + 1 taken: try another */
    } finally {
      await close(a);
      if (b) await close(b);
    }
  }
  throw new Error('no free loopback port found');
}
