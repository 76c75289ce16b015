// Redis: reuse whatever answers at MOTIFS_REDIS_URL, else start a throwaway local redis-server.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectRedis, parseRedisUrl, pingRedis, redactUrl } from './resp.mjs';
import { isLocalHost, pidInFile, pidLooksLike, portOpen, randomId, readJson, seconds, sleep, stateDir, stopPid, which, writeJson } from './util.mjs';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const dirs = (root, env) => {
  const dir = join(stateDir(root, env), 'redis');
  return { dir, state: join(dir, 'state.json'), pidfile: join(dir, 'redis.pid'), logfile: join(dir, 'redis.log') };
};

/** Ours only if the recorded pid is still a redis-server on the same port (pids get reused). */
function ours(root, env, port) {
  const state = readJson(dirs(root, env).state);
  return state && state.port === port && pidLooksLike(state.pid, 'redis-server') ? state : null;
}

// The real URL (password included) is returned, because the test runner hands it to the suites;
// only what is printed gets redacted.
const result = (url, available, startedByUs, reason) => ({ available, url, startedByUs, reason });

/** PING alone would accept a read-only replica or a server with a full disk; tests need writes. */
async function readWriteCheck(url) {
  const client = await connectRedis(url);
  try {
    const key = `motifs:services-check:${randomId()}`;
    const value = randomId();
    await client.call('SET', key, value, 'PX', '60000'); // expires by itself if DEL never runs
    const got = await client.call('GET', key);
    await client.call('DEL', key);
    if (got !== value) throw new Error(`GET returned ${JSON.stringify(got)} instead of what was SET`);
  } finally {
    client.close();
  }
}

export async function redisUp({ root, env = process.env, log }) {
  const url = env.MOTIFS_REDIS_URL || DEFAULT_REDIS_URL;
  let cfg;
  try {
    cfg = parseRedisUrl(url);
  } catch (err) {
    return result(url, false, false, err.message);
  }
  const started = Date.now();
  const pingError = await pingRedis(url);
  let startedByUs = Boolean(ours(root, env, cfg.port));
  if (pingError) {
    if (!isLocalHost(cfg.host)) return result(url, false, false, `${pingError} (not a local URL, so not starting one)`);
    const bin = which('redis-server', env);
    if (!bin) return result(url, false, false, `redis-server not installed (and ${pingError})`);
    // A second redis-server could not bind there; it would only fail after the 10 s wait below.
    if (await portOpen(cfg.host, cfg.port)) return result(url, false, false, `port ${cfg.port} is taken by something that is not a working Redis: ${pingError}`);
    const { dir, pidfile, logfile, state } = dirs(root, env);
    mkdirSync(dir, { recursive: true });
    rmSync(pidfile, { force: true });
    const args = ['--daemonize', 'yes', '--save', '', '--appendonly', 'no', '--port', String(cfg.port)];
    args.push('--bind', '127.0.0.1', '--dir', dir, '--pidfile', pidfile, '--logfile', logfile);
    if (cfg.password && !cfg.username) args.push('--requirepass', cfg.password);
    const run = spawnSync(bin, args, { encoding: 'utf8' });
    if (run.status !== 0) return result(url, false, false, `redis-server failed to start: ${(run.stderr || run.stdout).trim()}`);
    let reason = pingError;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
      reason = await pingRedis(url);
      if (!reason) break;
    }
    if (reason) return result(url, false, false, `started redis-server but it does not answer: ${reason} (see ${logfile})`);
    // A Redis that answers has written its pid; a node recorded with pid 0 is one `down` cannot find.
    const pid = pidInFile(pidfile);
    if (!pid) return result(url, false, false, `started redis-server but it wrote no pid to ${pidfile} (see ${logfile})`);
    writeJson(state, { pid, port: cfg.port, startedAt: new Date().toISOString() });
    startedByUs = true;
    log(`redis: started redis-server on port ${cfg.port} in ${seconds(Date.now() - started)}`);
  }
  try {
    await readWriteCheck(url);
  } catch (err) {
    return result(url, false, startedByUs, `SET/GET/DEL check failed: ${err.message}`);
  }
  log(`redis: ready at ${redactUrl(url)} (${startedByUs ? 'started by motifs' : 'already running, reused'}, ${seconds(Date.now() - started)})`);
  return result(url, true, startedByUs, null);
}

export async function redisDown({ root, env = process.env, log }) {
  const url = env.MOTIFS_REDIS_URL || DEFAULT_REDIS_URL;
  const state = readJson(dirs(root, env).state);
  if (state && pidLooksLike(state.pid, 'redis-server')) {
    log(`redis: stopping redis-server pid ${state.pid}: ${await stopPid(state.pid, { graceMs: 10_000, log })}`);
  } else {
    log(`redis: nothing started by motifs; leaving ${redactUrl(url)} alone`);
  }
  rmSync(dirs(root, env).state, { force: true });
}

export async function redisStatus({ root, env = process.env }) {
  const url = env.MOTIFS_REDIS_URL || DEFAULT_REDIS_URL;
  let port = 6379;
  try {
    port = parseRedisUrl(url).port;
  } catch {
    /* pingRedis reports the bad URL */
  }
  const reason = await pingRedis(url);
  return result(url, !reason, Boolean(ours(root, env, port)), reason);
}
