// Shared helpers of the chaos experiments: loading the built packages, private servers started
// through tools/services, figures/checks reporting to the runner, cleanup on every path.
//
// An experiment is a script that calls `experiment(name, async (x) => { ... })`. It reports through
// `x.figure(name, value)` and `x.check(name, ok, detail)`; both are written at once to the JSON
// file the runner named in CHAOS_RESULT, so a run killed on its time bound still shows how far it got.
// The script must end on its own (no process.exit): the runner treats a process that does not exit
// after reporting as a leaked handle.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { up } from '../services/index.mjs';
import { probeKafka, parseBrokers } from '../services/kafka-probe.mjs';
import { freePort, pidLooksLike, readJson, stateDir as servicesStateDir } from '../services/util.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Thrown when a server cannot be started for want of a tool (redis-server, java): the experiment
 * is reported as skipped, except in CI, where it fails (as tools/services does for integration suites).
 */
export class Skip extends Error {}
const missingTool = /not installed|not found on PATH|javac not found|need Java|mvn not found/;
export const now = () => performance.now();

// ---------------------------------------------------------------- packages (built dist/)

/**
 * Where the packages under test live: this checkout, or CHAOS_PACKAGES_ROOT (a directory with its
 * own built `packages/*`, e.g. an older commit's, to measure "before" against "after").
 */
const packagesRoot = process.env.CHAOS_PACKAGES_ROOT ? resolve(process.env.CHAOS_PACKAGES_ROOT) : root;

/** Imports a workspace package from its built `dist/` (run `node tools/run.mjs build` first). */
export async function load(name) {
  const dir = join(packagesRoot, 'packages', name.replace(/^@motifs\//, ''));
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entry = join(dir, manifest.exports?.['.']?.default ?? manifest.main ?? 'dist/index.js');
  if (!existsSync(entry)) throw new Error(`${name} is not built (${entry} missing): run \`node tools/run.mjs build\``);
  return import(pathToFileURL(entry).href);
}

/** A third-party module as the given workspace package resolves it (ioredis, kafkajs). */
export function dependency(pkg, module) {
  return createRequire(join(packagesRoot, 'packages', pkg, 'package.json'))(module);
}

// ---------------------------------------------------------------- statistics and error shapes

export function percentile(values, p) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const ms = (v) => (v === null || v === undefined ? null : Math.round(v));

/** `MOTIFS_TIMEOUT`, or `untyped:<name>` for anything that is not a motifs error. */
export function codeOf(err) {
  return err && typeof err === 'object' && typeof err.code === 'string' && err.code.startsWith('MOTIFS_') ? err.code : `untyped:${err?.name ?? typeof err}`;
}

/** The machine-readable shape of an error, for the figures (code, retryable, details keys, message). */
export function shapeOf(err) {
  const details = err?.details && typeof err.details === 'object' ? err.details : {};
  const flags = {};
  for (const [k, v] of Object.entries(details)) if (['boolean', 'string', 'number'].includes(typeof v)) flags[k] = v;
  for (const k of ['outcome', 'outcomeUnknown', 'mayHaveSucceeded', 'written', 'idempotent']) if (err && k in err) flags[k] = err[k];
  return { code: codeOf(err), retryable: err?.retryable, flags, message: String(err?.message ?? err).slice(0, 160) };
}

export function histogram(items) {
  const out = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}

// ---------------------------------------------------------------- ports

export { freePort };

// ---------------------------------------------------------------- private servers via tools/services

/** Where this experiment's servers keep state; the runner removes it and kills what it finds there. */
export const chaosStateDir = () => {
  const dir = process.env.CHAOS_STATE_DIR || mkdtempSync(join(tmpdir(), 'motifs-chaos-'));
  mkdirSync(dir, { recursive: true });
  return dir;
};

const DEAD = '127.0.0.1:1'; // what the other (not selected) service is probed at: refused at once

/**
 * A redis-server of its own on a free loopback port, started by tools/services (`--save ""
 * --appendonly no`, so a restart loses everything). Never the machine's shared Redis.
 */
export async function ownRedis(x) {
  const port = await freePort();
  const dir = join(chaosStateDir(), `redis-${port}`);
  const url = `redis://127.0.0.1:${port}`;
  const env = { ...process.env, MOTIFS_STATE_DIR: dir, MOTIFS_REDIS_URL: url, MOTIFS_KAFKA_BROKERS: DEAD, CI: '' };
  const log = (line) => x.log(`services: ${line}`);
  const start = async () => {
    const r = await up({ only: 'redis', env, log });
    if (!r.redis.available && !CI && missingTool.test(r.redis.reason ?? '')) throw new Skip(`redis-server: ${r.redis.reason}`);
    if (!r.redis.available || !r.redis.startedByUs) throw new Error(`own redis-server on ${port} not started: ${r.redis.reason ?? 'reused a server that was not ours'}`);
  };
  const pid = () => {
    const state = readJson(join(dir, 'redis', 'state.json'));
    if (!state || !pidLooksLike(state.pid, 'redis-server')) throw new Error(`own redis-server on ${port} is not running`);
    return state.pid;
  };
  await start();
  const server = {
    url,
    port,
    pid,
    start,
    kill9: () => process.kill(pid(), 'SIGKILL'),
    stop: () => process.kill(pid(), 'SIGSTOP'),
    cont: () => process.kill(pid(), 'SIGCONT'),
    async waitGone(timeoutMs = 5000) {
      for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(20)) if (!(await portAnswers(port))) return;
      throw new Error(`redis-server on ${port} still answers`);
    },
  };
  x.defer(() => killStateDir(dir));
  return server;
}

function portAnswers(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * A single-node Kafka broker of its own (broker + controller in one JVM) on a free port pair,
 * started by tools/services with its own MOTIFS_STATE_DIR. The Maven classpath and the compiled
 * readiness check are copied from the checkout's .motifs/kafka when present, so mvn does not run.
 */
export async function ownKafka(x) {
  const port = await freePort({ pair: true });
  const dir = join(chaosStateDir(), `kafka-${port}`);
  const brokers = `127.0.0.1:${port}`;
  mkdirSync(join(dir, 'kafka'), { recursive: true });
  const shared = join(servicesStateDir(root, process.env), 'kafka');
  if (existsSync(shared)) {
    for (const name of readdirSync(shared)) {
      if (/^(classpath-.*\.txt|check-[0-9a-f]+)$/.test(name)) cpSync(join(shared, name), join(dir, 'kafka', name), { recursive: true });
    }
  }
  const env = { ...process.env, MOTIFS_STATE_DIR: dir, MOTIFS_KAFKA_BROKERS: brokers, MOTIFS_REDIS_URL: `redis://${DEAD}`, CI: '' };
  const log = (line) => x.log(`services: ${line}`);
  const start = async () => {
    const t0 = now();
    const r = await up({ only: 'kafka', env, log });
    if (!r.kafka.available && !CI && missingTool.test(r.kafka.reason ?? '')) throw new Skip(`kafka broker: ${r.kafka.reason}`);
    if (!r.kafka.available || !r.kafka.startedByUs) throw new Error(`own kafka broker on ${port} not started: ${r.kafka.reason ?? 'reused a broker that was not ours'}`);
    return now() - t0;
  };
  const pid = () => {
    const state = readJson(join(dir, 'kafka', 'state.json'));
    if (!state || !pidLooksLike(state.pid, 'kafka.Kafka')) throw new Error(`own kafka broker on ${port} is not running`);
    return state.pid;
  };
  x.defer(() => killStateDir(dir));
  const startMs = await start();
  return {
    brokers,
    port,
    pid,
    start,
    startMs,
    kill9: () => process.kill(pid(), 'SIGKILL'),
    /** True once the broker answers an ApiVersions request (it may still be loading its logs). */
    answers: async () => (await probeKafka({ host: '127.0.0.1', port }, 1000)) === null,
    async waitGone(timeoutMs = 10_000) {
      for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(50)) if (!(await portAnswers(port))) return;
      throw new Error(`kafka broker on ${port} still answers`);
    },
  };
}

/** The shared broker (MOTIFS_KAFKA_BROKERS, default 127.0.0.1:9092) when it answers, else null. */
export async function sharedKafka() {
  const brokers = process.env.MOTIFS_KAFKA_BROKERS || '127.0.0.1:9092';
  const probes = await Promise.all(parseBrokers(brokers).map((b) => probeKafka(b, 1500)));
  return probes.some((p) => p === null) ? brokers : null;
}

/**
 * Kills (SIGCONT first, in case it is stopped, then SIGKILL) every redis-server / Kafka JVM that
 * tools/services recorded under `dir`, then removes `dir`. Used by experiments and by the runner.
 */
export function killStateDir(dir) {
  const killed = [];
  const walk = (d, depth) => {
    if (depth > 4 || !existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const state = join(d, entry.name, 'state.json');
      const needle = entry.name === 'redis' ? 'redis-server' : entry.name === 'kafka' ? 'kafka.Kafka' : null;
      if (needle && existsSync(state)) {
        const s = readJson(state);
        if (s && pidLooksLike(s.pid, needle)) {
          try {
            process.kill(s.pid, 'SIGCONT');
            process.kill(s.pid, 'SIGKILL');
            killed.push(`${needle} ${s.pid}`);
          } catch {
            /* gone meanwhile */
          }
        }
      } else walk(join(d, entry.name), depth + 1);
    }
  };
  walk(dir, 0);
  rmSync(dir, { recursive: true, force: true });
  return killed;
}

// ---------------------------------------------------------------- the experiment wrapper

/**
 * Runs `body(x)` and reports. `x.figure(name, value)`, `x.check(name, ok, detail)`,
 * `x.defer(fn)` (cleanup, run in reverse order on every path, SIGTERM included), `x.log(text)`.
 */
export async function experiment(name, body) {
  const resultFile = process.env.CHAOS_RESULT;
  const result = { name, figures: {}, checks: [], notes: [], finished: false, error: null, skipped: null };
  const save = () => {
    if (resultFile) writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  };
  const deferred = [];
  const t0 = now();
  const x = {
    log: (text) => console.log(`  [${name} ${((now() - t0) / 1000).toFixed(1)}s] ${text}`),
    figure(key, value) {
      result.figures[key] = value;
      save();
    },
    check(check, ok, detail = '') {
      result.checks.push({ name: check, ok: Boolean(ok), detail: typeof detail === 'string' ? detail : JSON.stringify(detail) });
      console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${check}${detail ? `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`);
      save();
    },
    note(text) {
      result.notes.push(text);
      save();
    },
    defer: (fn) => deferred.push(fn),
  };
  let cleaning = false;
  const cleanup = async () => {
    if (cleaning) return;
    cleaning = true;
    while (deferred.length) {
      const fn = deferred.pop();
      try {
        await fn();
      } catch (err) {
        console.log(`  [${name}] cleanup step failed: ${err?.message ?? err}`);
      }
    }
  };
  const onSignal = (signal) => {
    result.error = `stopped by ${signal}`;
    save();
    cleanup().finally(() => process.exit(1));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  save();
  try {
    await body(x);
  } catch (err) {
    if (err instanceof Skip) {
      result.skipped = err.message;
      console.log(`  [${name}] SKIPPED: ${err.message}`);
    } else {
      result.error = String(err?.stack ?? err);
      console.log(`  [${name}] harness error: ${result.error}`);
    }
  } finally {
    await cleanup();
    result.finished = true;
    result.wallMs = Math.round(now() - t0);
    save();
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    if (result.error || result.checks.some((c) => !c.ok)) process.exitCode = 1;
  }
}

/**
 * Tracks calls: each `track(op, promise)` records its settle time and outcome. `pending()` lists
 * calls still open (a call that never settles is the failure chaos looks for).
 */
export function callTracker() {
  const calls = [];
  const open = new Set();
  return {
    calls,
    track(op, fn, meta = {}) {
      const call = { op, start: now(), end: null, ok: null, code: null, retryable: null, err: null, ...meta };
      calls.push(call);
      open.add(call);
      let p;
      try {
        p = Promise.resolve(fn());
      } catch (err) {
        p = Promise.reject(err);
      }
      return p.then(
        (value) => {
          call.end = now();
          call.ok = true;
          open.delete(call);
          return { ok: true, value, call };
        },
        (err) => {
          call.end = now();
          call.ok = false;
          call.code = codeOf(err);
          call.retryable = err?.retryable;
          call.err = err;
          open.delete(call);
          return { ok: false, err, call };
        },
      );
    },
    pending: () => [...open],
  };
}

export const settleMs = (call) => call.end - call.start;
