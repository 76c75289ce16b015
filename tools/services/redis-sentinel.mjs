// Redis Sentinel on loopback for the sentinel suites and failover tests: one master, one replica and
// three `redis-server --sentinel` watching them as master name `motifs` (quorum 2). Everything
// announces 127.0.0.1, so the addresses Sentinel hands to clients are reachable from the host.
// State, configs and logs under .motifs/redis-sentinel/<role>-<port>/. Node built-ins only.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killServer, parseHostPorts, redisCall, redisInfo, serverPid, spawnServer, stopServer, waitUntil } from './redis-cluster.mjs';
import { isLocalHost, portOpen, seconds, stateDir, which, withLock } from './util.mjs';

export const DEFAULT_REDIS_SENTINELS = '127.0.0.1:27111,127.0.0.1:27112,127.0.0.1:27113';
/** The master (first) and the replica (second) at start; after a failover they swap roles. */
export const DEFAULT_REDIS_SENTINEL_SERVERS = '127.0.0.1:7111,127.0.0.1:7112';
export const DEFAULT_REDIS_SENTINEL_NAME = 'motifs';
// 2 s, not 1 s: on a loaded 2-core CI box a 1 s PING stall on two sentinels caused spurious failovers.
export const SENTINEL_DOWN_AFTER_MS = 2000;
export const SENTINEL_FAILOVER_TIMEOUT_MS = 3000;
const START_TIMEOUT_MS = 30_000;

/** Ports from MOTIFS_REDIS_SENTINEL_SERVERS (master, replica) and MOTIFS_REDIS_SENTINELS (3 sentinels). */
export function redisSentinelLayout(root, env = process.env) {
  const servers = parseHostPorts(env.MOTIFS_REDIS_SENTINEL_SERVERS || DEFAULT_REDIS_SENTINEL_SERVERS, 'MOTIFS_REDIS_SENTINEL_SERVERS');
  const sentinels = parseHostPorts(env.MOTIFS_REDIS_SENTINELS || DEFAULT_REDIS_SENTINELS, 'MOTIFS_REDIS_SENTINELS');
  if (servers.length !== 2) throw new Error(`MOTIFS_REDIS_SENTINEL_SERVERS needs 2 host:port entries (master, replica), got ${servers.length}`);
  if (sentinels.length !== 3) throw new Error(`MOTIFS_REDIS_SENTINELS needs 3 host:port entries, got ${sentinels.length}`);
  const ports = [...servers, ...sentinels].map((n) => n.port);
  if (new Set(ports).size !== ports.length) throw new Error('MOTIFS_REDIS_SENTINEL_SERVERS and MOTIFS_REDIS_SENTINELS list a port twice');
  const name = env.MOTIFS_REDIS_SENTINEL_NAME || DEFAULT_REDIS_SENTINEL_NAME;
  const dir = join(stateDir(root, env), 'redis-sentinel');
  const node = (kind) => ({ host, port }) => {
    const d = join(dir, `${kind}-${port}`);
    return { kind, host, port, dir: d, state: join(d, 'state.json'), pidfile: join(d, 'redis.pid'), logfile: join(d, 'redis.log'), conf: join(d, `${kind}.conf`) };
  };
  const s = servers.map(node('server'));
  const w = sentinels.map(node('sentinel'));
  return { dir, name, servers: s, sentinels: w, all: [...s, ...w], sentinelList: w.map((n) => `${n.host}:${n.port}`).join(','), serverList: s.map((n) => `${n.host}:${n.port}`).join(','), lock: join(dir, '..', 'redis-sentinel.lock') };
}

/** redis.conf of a data node (a file, so Sentinel's CONFIG REWRITE on failover works). */
export function sentinelServerConf(node, replicaOf = null) {
  const lines = [
    `port ${node.port}`, 'bind 127.0.0.1', `replica-announce-ip ${node.host}`, `replica-announce-port ${node.port}`,
    'save ""', 'appendonly no', 'repl-diskless-sync yes', 'repl-diskless-sync-delay 0',
  ];
  if (replicaOf) lines.push(`replicaof ${replicaOf.host} ${replicaOf.port}`);
  return `${lines.join('\n')}\n`;
}

/** sentinel.conf of one sentinel: watches `name` at `master`, quorum 2, fast failure detection. */
export function sentinelConf(layout, node, master) {
  return `${[
    `port ${node.port}`, 'bind 127.0.0.1', `sentinel announce-ip ${node.host}`, `sentinel announce-port ${node.port}`,
    `sentinel monitor ${layout.name} ${master.host} ${master.port} 2`,
    `sentinel down-after-milliseconds ${layout.name} ${SENTINEL_DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${layout.name} ${SENTINEL_FAILOVER_TIMEOUT_MS}`,
    `sentinel parallel-syncs ${layout.name} 1`,
  ].join('\n')}\n`;
}

async function startServer(bin, node, replicaOf) {
  mkdirSync(node.dir, { recursive: true });
  writeFileSync(node.conf, sentinelServerConf(node, replicaOf));
  return spawnServer(bin, node, [node.conf]);
}

async function startSentinel(bin, layout, node, master) {
  mkdirSync(node.dir, { recursive: true });
  writeFileSync(node.conf, sentinelConf(layout, node, master));
  return spawnServer(bin, node, [node.conf, '--sentinel']);
}

const addr = (reply) => (Array.isArray(reply) && reply.length === 2 ? { host: reply[0], port: Number(reply[1]) } : null);
const pairs = (list) => Object.fromEntries(list.reduce((acc, v, i) => (i % 2 ? acc : [...acc, [v, list[i + 1]]]), []));

/**
 * null when every sentinel knows the master (same address, no s_down/o_down), the 2 other sentinels
 * and 1 replica, and that replica's link to the master is up.
 */
export async function redisSentinelHealth(layout) {
  let master = null;
  for (const s of layout.sentinels) {
    let m;
    try {
      m = pairs(await redisCall(s, ['SENTINEL', 'MASTER', layout.name]));
    } catch (err) {
      return `sentinel ${s.port}: ${err.message}`;
    }
    const here = `${m.ip}:${m.port}`;
    if (master && master !== here) return `sentinels disagree on the master (${master} vs ${here})`;
    master = here;
    if (m.flags !== 'master') return `sentinel ${s.port}: master flags ${m.flags}`;
    if (m['num-other-sentinels'] !== '2') return `sentinel ${s.port}: knows ${m['num-other-sentinels']} other sentinels, not 2`;
    if (m['num-slaves'] !== '1') return `sentinel ${s.port}: knows ${m['num-slaves']} replicas, not 1`;
    const replicas = (await redisCall(s, ['SENTINEL', 'REPLICAS', layout.name])).map(pairs);
    const bad = replicas.find((r) => r.flags !== 'slave' || r['master-link-status'] !== 'ok');
    if (bad) return `sentinel ${s.port}: replica ${bad.ip}:${bad.port} is ${bad.flags}, link ${bad['master-link-status']}`;
  }
  const replica = layout.servers.find((n) => `${n.host}:${n.port}` !== master);
  const info = await redisInfo(replica, 'replication').catch((err) => ({ error: err.message }));
  if (info.role !== 'slave' || info.master_link_status !== 'up') return `replica ${replica.port}: role ${info.role ?? info.error}, link ${info.master_link_status}`;
  return null;
}

const result = (layout, available, startedByUs, reason) => ({ available, sentinels: layout?.sentinelList ?? null, name: layout?.name ?? null, servers: layout?.serverList ?? null, startedByUs, reason });

/** Starts everything from scratch: master, replica (waits for its link), then the three sentinels. */
async function createAll(layout, bin, log) {
  const t0 = Date.now();
  const [master, replica] = layout.servers;
  for (const n of layout.all) rmSync(n.dir, { recursive: true, force: true });
  let reason = (await startServer(bin, master, null)) ?? (await startServer(bin, replica, master));
  // Sentinels find replicas through the master's INFO (every 10 s): start them once the replica is linked.
  reason ??= await waitUntil(async () => ((await redisInfo(replica, 'replication')).master_link_status === 'up' ? null : 'replica link not up'), 10_000);
  for (const s of layout.sentinels) reason ??= await startSentinel(bin, layout, s, master);
  if (!reason) log(`redis-sentinel: master, replica and 3 sentinels started in ${seconds(Date.now() - t0)}`);
  return reason;
}

/**
 * Starts the Sentinel setup, or reuses one that is healthy (ours, or e.g. docker compose). When only
 * some of ours are down, everything of ours is stopped and started afresh (test data is disposable).
 * Resolves to `{ available, sentinels, name, servers, startedByUs, reason }`.
 */
export async function redisSentinelUp({ root, env = process.env, log = () => {} } = {}) {
  let layout;
  try {
    layout = redisSentinelLayout(root, env);
  } catch (err) {
    return result(null, false, false, err.message);
  }
  mkdirSync(layout.dir, { recursive: true });
  return withLock(layout.lock, async () => {
    const started = Date.now();
    const health = await redisSentinelHealth(layout);
    const pids = layout.all.map(serverPid);
    if (!health) {
      const ours = pids.every(Boolean);
      log(`redis-sentinel: ${layout.sentinelList} (${layout.name}) already healthy (${ours ? 'started by motifs' : 'not started by motifs'}), reused`);
      return result(layout, true, ours, null);
    }
    const bin = which('redis-server', env);
    if (!bin) return result(layout, false, false, `redis-server not installed (and ${health})`);
    let reason = null;
    if (pids.some(Boolean)) {
      // Some of ours still run (e.g. after a test's kill): bring the others back, as a test would.
      for (const [i, n] of layout.all.entries()) if (!pids[i]) reason ??= await startNode(layout, bin, n, env, root).catch((err) => err.message);
      reason ??= await waitUntil(() => redisSentinelHealth(layout), 15_000, 200);
      if (!reason) {
        log(`redis-sentinel: restarted the missing nodes, ready (${seconds(Date.now() - started)})`);
        return result(layout, true, true, null);
      }
      log(`redis-sentinel: restarting the missing nodes did not heal it (${reason}); starting afresh`);
    }
    await Promise.all(layout.all.filter((n) => serverPid(n)).map(stopServer));
    for (const n of layout.all) {
      if (!isLocalHost(n.host)) return result(layout, false, false, `${n.host} is not a local address, so not starting a node there`);
      if (await portOpen(n.host, n.port)) return result(layout, false, false, `port ${n.port} is taken by something that is not a node motifs started (${health})`);
    }
    reason = await createAll(layout, bin, log);
    reason ??= await waitUntil(() => redisSentinelHealth(layout), START_TIMEOUT_MS, 200);
    if (reason) {
      await Promise.all(layout.all.map(stopServer));
      return result(layout, false, false, `sentinel setup not healthy after start: ${reason} (logs in ${layout.dir})`);
    }
    log(`redis-sentinel: ready, sentinels ${layout.sentinelList} watch ${layout.name} (${seconds(Date.now() - started)})`);
    return result(layout, true, true, null);
  });
}

/** Stops every sentinel and data node motifs started (SIGTERM, SIGKILL after 5 s); leaves anything else alone. */
export async function redisSentinelDown({ root, env = process.env, log = () => {} } = {}) {
  const layout = redisSentinelLayout(root, env);
  mkdirSync(layout.dir, { recursive: true });
  return withLock(layout.lock, async () => {
    // Sentinels first, so they do not start a failover while the data nodes go.
    const sentinels = layout.sentinels.filter((n) => serverPid(n));
    await Promise.all(sentinels.map(stopServer));
    const servers = layout.servers.filter((n) => serverPid(n));
    await Promise.all(servers.map(stopServer));
    const n = sentinels.length + servers.length;
    log(n ? `redis-sentinel: stopped ${n} process(es)` : `redis-sentinel: nothing started by motifs; leaving ${layout.sentinelList} alone`);
    return result(layout, false, false, 'stopped');
  });
}

export async function redisSentinelStatus({ root, env = process.env } = {}) {
  let layout;
  try {
    layout = redisSentinelLayout(root, env);
  } catch (err) {
    return result(null, false, false, err.message);
  }
  const reason = await redisSentinelHealth(layout);
  return result(layout, !reason, layout.all.every((n) => serverPid(n)), reason);
}

// ---- helpers for failover tests ----

function nodeByPort(layout, port) {
  const node = layout.all.find((n) => n.port === Number(port));
  if (!node) throw new Error(`redis-sentinel has no node on port ${port} (ports ${layout.all.map((n) => n.port).join(', ')})`);
  return node;
}

/** The master as the sentinels report it (`SENTINEL get-master-addr-by-name`; first sentinel that answers). */
export async function redisSentinelMaster({ root, env = process.env } = {}) {
  const layout = redisSentinelLayout(root, env);
  for (const s of layout.sentinels) {
    try {
      const a = addr(await redisCall(s, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', layout.name]));
      if (a) return { ...a, pid: layout.servers.find((n) => n.port === a.port) ? serverPid(nodeByPort(layout, a.port)) : null };
    } catch {
      /* try the next sentinel */
    }
  }
  throw new Error(`no sentinel of ${layout.sentinelList} knows master ${layout.name}`);
}

/** kill -9 a data node or a sentinel motifs started; resolves { port, pid } once it is gone. */
export async function redisSentinelKillNode({ root, env = process.env, port }) {
  return killServer(nodeByPort(redisSentinelLayout(root, env), port), 'redis-sentinel');
}

/**
 * Starts a killed node again. A data node that is not the current master comes back as a replica of
 * the master the sentinels report (so there is never a second master); a sentinel keeps its rewritten config.
 */
export async function redisSentinelStartNode({ root, env = process.env, port }) {
  const layout = redisSentinelLayout(root, env);
  const node = nodeByPort(layout, port);
  if (serverPid(node)) return { port: node.port, pid: serverPid(node), started: false };
  const bin = which('redis-server', env);
  if (!bin) throw new Error('redis-server not installed');
  const reason = await startNode(layout, bin, node, env, root);
  if (reason) throw new Error(`redis-sentinel node ${port}: ${reason}`);
  return { port: node.port, pid: serverPid(node), started: true };
}

async function startNode(layout, bin, node, env, root) {
  let reason;
  if (node.kind === 'sentinel') {
    reason = await spawnServer(bin, node, [node.conf, '--sentinel']);
  } else {
    const master = await redisSentinelMaster({ root, env });
    reason = await startServer(bin, node, master.port === node.port ? null : master);
  }
  return reason ?? (await waitUntil(async () => ((await redisCall(node, ['PING'])) === 'PONG' ? null : 'no PONG'), 10_000));
}

/**
 * After killing the master on `port`: resolves once every sentinel reports another master and that
 * node says role:master. `{ master: { host, port }, ms }` (ms since the call).
 */
export async function redisSentinelWaitFailover({ root, env = process.env, port, timeoutMs = 30_000 }) {
  const layout = redisSentinelLayout(root, env);
  const t0 = Date.now();
  let master = null;
  const reason = await waitUntil(async () => {
    const seen = await Promise.all(layout.sentinels.map(async (s) => addr(await redisCall(s, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', layout.name]))));
    if (seen.some((a) => !a || a.port === Number(port))) return `a sentinel still reports ${port}`;
    if (new Set(seen.map((a) => a.port)).size !== 1) return 'sentinels disagree';
    if ((await redisInfo(seen[0], 'replication')).role !== 'master') return `${seen[0].port} is not master yet`;
    master = seen[0];
    return null;
  }, timeoutMs, 50);
  if (reason) throw new Error(`redis-sentinel: no failover within ${timeoutMs} ms: ${reason}`);
  return { master, ms: Date.now() - t0 };
}

/** Resolves once the setup is healthy again (both data nodes in, replica linked, sentinels agree); `{ ms }`. */
export async function redisSentinelWaitHealthy({ root, env = process.env, timeoutMs = 30_000 } = {}) {
  const layout = redisSentinelLayout(root, env);
  const t0 = Date.now();
  const reason = await waitUntil(() => redisSentinelHealth(layout), timeoutMs, 100);
  if (reason) throw new Error(`redis-sentinel not healthy within ${timeoutMs} ms: ${reason}`);
  return { ms: Date.now() - t0 };
}
