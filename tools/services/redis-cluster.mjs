// A Redis Cluster of 3 masters + 3 replicas on loopback, for the cluster suites and failover tests.
// Every node is a `redis-server --cluster-enabled yes` of our own (pid/state under
// .motifs/redis-cluster/node-<port>/), created with `redis-cli --cluster create --cluster-replicas 1`.
// Ready means every node says cluster_state:ok, sees 3 masters covering all 16384 slots and no
// failing node, and every replica's master_link_status is up. Node built-ins only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectRedis } from './resp.mjs';
import { isLocalHost, pidInFile, pidLooksLike, pidRunning, portOpen, readJson, run, seconds, sleep, stateDir, stopPid, which, withLock, writeJson } from './util.mjs';

export const DEFAULT_REDIS_CLUSTER_NODES = '127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103,127.0.0.1:7104,127.0.0.1:7105,127.0.0.1:7106';
export const CLUSTER_NODE_TIMEOUT_MS = 2000;
export const CLUSTER_SLOTS = 16384;
const START_TIMEOUT_MS = 30_000;

/** `host:port,host:port` -> [{ host, port }], with a clear error for anything else. */
export function parseHostPorts(list, what) {
  const entries = String(list).split(',').map((s) => s.trim()).filter(Boolean);
  return entries.map((entry) => {
    const m = /^(.+):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) throw new Error(`${what}: "${entry}" is not host:port`);
    return { host: m[1], port };
  });
}

/** One Redis command on a short-lived connection (RESP2 from resp.mjs: works before `pnpm install`). */
export async function redisCall({ host, port }, args, { timeoutMs = 1500 } = {}) {
  const client = await connectRedis(`redis://${host}:${port}`, { timeoutMs });
  try {
    return await client.call(...args);
  } finally {
    client.close();
  }
}

/** `INFO <section>` as an object of its `key:value` lines. */
export async function redisInfo(node, section) {
  const text = await redisCall(node, ['INFO', section]);
  return Object.fromEntries(String(text).split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(/:(.*)/s).slice(0, 2)));
}

/** The recorded pid of a node, only if it is still a redis-server on that port (pids get reused). */
export function serverPid(node) {
  const state = readJson(node.state);
  if (!state || state.port !== node.port || !pidLooksLike(state.pid, 'redis-server')) return null;
  try {
    return readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').includes(`:${node.port}`) ? state.pid : null;
  } catch {
    return state.pid;
  }
}

/** Starts a daemonized redis-server from `args` and records its pid; resolves to null or a reason. */
export async function spawnServer(bin, node, args) {
  mkdirSync(node.dir, { recursive: true });
  rmSync(node.pidfile, { force: true });
  const all = [...args, '--daemonize', 'yes', '--pidfile', node.pidfile, '--logfile', node.logfile, '--dir', node.dir];
  const r = spawnSync(bin, all, { encoding: 'utf8' });
  if (r.status !== 0) return `redis-server on port ${node.port} failed to start: ${(r.stderr || r.stdout).trim()}`;
  // Wait for the pid itself (see pidInFile): a node recorded with pid 0 is one that `down` cannot
  // find (it outlived a CI run).
  let pid = 0;
  for (const until = Date.now() + 5000; !(pid = pidInFile(node.pidfile)) && Date.now() < until; ) await sleep(20);
  if (!pid) return `redis-server on port ${node.port} wrote no pid to ${node.pidfile} (see ${node.logfile})`;
  writeJson(node.state, { pid, port: node.port, startedAt: new Date().toISOString() });
  return null;
}

/** kill -9 (a crash: no shutdown, no save); resolves once the process is gone. */
export async function killServer(node, what) {
  const pid = serverPid(node);
  if (!pid) throw new Error(`${what} node ${node.host}:${node.port} is not running (or was not started by motifs)`);
  process.kill(pid, 'SIGKILL');
  for (const until = Date.now() + 10_000; pidRunning(pid) && Date.now() < until; ) await sleep(20);
  if (pidRunning(pid)) throw new Error(`${what} node ${node.port} (pid ${pid}) survived SIGKILL for 10 s`);
  await portClosed(node);
  rmSync(node.state, { force: true });
  return { port: node.port, pid };
}

/**
 * The main thread of a killed redis-server turns zombie while its other threads still hold the
 * sockets for a few ms: callers (and tests) expect the port to refuse connections once we return.
 */
async function portClosed(node) {
  for (const until = Date.now() + 5000; Date.now() < until && (await portOpen(node.host, node.port, 200)); ) await sleep(20);
}

export async function stopServer(node) {
  const pid = serverPid(node);
  if (pid) {
    await stopPid(pid, { graceMs: 5000 });
    await portClosed(node);
  }
  rmSync(node.state, { force: true });
}

/** Waits for `probe()` to resolve null (ready); resolves to null, or the last reason at the deadline. */
export async function waitUntil(probe, timeoutMs, stepMs = 100) {
  let reason = 'not checked';
  for (const deadline = Date.now() + timeoutMs; ; await sleep(stepMs)) {
    try {
      reason = await probe();
    } catch (err) {
      reason = err.message;
    }
    if (reason === null || Date.now() > deadline) return reason;
  }
}

/** Where each node lives; ports from MOTIFS_REDIS_CLUSTER_NODES (6 entries), cluster bus on port + 10000. */
export function redisClusterLayout(root, env = process.env) {
  const list = parseHostPorts(env.MOTIFS_REDIS_CLUSTER_NODES || DEFAULT_REDIS_CLUSTER_NODES, 'MOTIFS_REDIS_CLUSTER_NODES');
  if (list.length !== 6) throw new Error(`MOTIFS_REDIS_CLUSTER_NODES needs 6 host:port entries (3 masters + 3 replicas), got ${list.length}`);
  if (new Set(list.map((n) => n.port)).size !== 6) throw new Error('MOTIFS_REDIS_CLUSTER_NODES lists a port twice');
  if (list.some((n) => n.port + 10000 > 65535)) throw new Error('MOTIFS_REDIS_CLUSTER_NODES: every port + 10000 (the cluster bus) must be <= 65535');
  const dir = join(stateDir(root, env), 'redis-cluster');
  const nodes = list.map(({ host, port }) => {
    const nodeDir = join(dir, `node-${port}`);
    return { host, port, busPort: port + 10000, dir: nodeDir, state: join(nodeDir, 'state.json'), pidfile: join(nodeDir, 'redis.pid'), logfile: join(nodeDir, 'redis.log'), conf: join(nodeDir, 'nodes.conf') };
  });
  return { dir, nodes, list: nodes.map((n) => `${n.host}:${n.port}`).join(','), lock: join(dir, '..', 'redis-cluster.lock') };
}

/** The redis-server arguments of one cluster node. */
export function redisClusterNodeArgs(node) {
  return [
    '--port', String(node.port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', node.conf,
    '--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT_MS), '--cluster-replica-validity-factor', '0', '--cluster-announce-ip', node.host,
    '--save', '', '--appendonly', 'no', '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0',
  ];
}

/** `CLUSTER NODES` of one node, parsed: [{ id, host, port, role, masterId, flags, slots: [[from, to]] }]. */
export async function clusterNodes(node) {
  const text = await redisCall(node, ['CLUSTER', 'NODES']);
  return String(text).trim().split('\n').filter(Boolean).map((line) => {
    const [id, addr, flags, master, , , , link, ...slots] = line.split(' ');
    const [, host, port] = /^(.*):(\d+)@/.exec(addr) ?? [];
    const f = flags.split(',');
    return {
      id, host, port: Number(port), role: f.includes('master') ? 'master' : 'replica', masterId: master === '-' ? null : master,
      flags: f, link, myself: f.includes('myself'),
      slots: slots.filter((s) => !s.startsWith('[')).map((s) => s.split('-').map(Number)).map(([a, b]) => [a, b ?? a]),
    };
  });
}

const slotCount = (nodes) => nodes.reduce((n, x) => n + x.slots.reduce((k, [a, b]) => k + b - a + 1, 0), 0);
const healthyFlags = (n) => !n.flags.some((f) => ['fail', 'fail?', 'handshake', 'noaddr'].includes(f));

/** null when this node agrees the cluster is fully healthy (6 nodes, 3 masters, all slots, replica linked). */
async function nodeHealth(node) {
  const info = String(await redisCall(node, ['CLUSTER', 'INFO']));
  if (!/cluster_state:ok/.test(info)) return `${node.port}: cluster_state is not ok`;
  const view = await clusterNodes(node);
  if (view.length !== 6) return `${node.port}: knows ${view.length} nodes, not 6`;
  const bad = view.find((n) => !healthyFlags(n));
  if (bad) return `${node.port}: sees ${bad.port} as ${bad.flags.join(',')}`;
  const masters = view.filter((n) => n.role === 'master');
  if (masters.length !== 3 || slotCount(masters) !== CLUSTER_SLOTS) return `${node.port}: sees ${masters.length} masters covering ${slotCount(masters)} slots`;
  const me = view.find((n) => n.myself);
  if (me.role === 'replica') {
    const repl = await redisInfo(node, 'replication');
    if (repl.master_link_status !== 'up') return `${node.port}: replica link to its master is ${repl.master_link_status ?? 'unknown'}`;
  }
  return null;
}

/** null when every node of the layout is healthy, else the first reason. */
export async function redisClusterHealth(layout) {
  const reasons = await Promise.all(layout.nodes.map((n) => nodeHealth(n).catch((err) => `${n.port}: ${err.message}`)));
  return reasons.find(Boolean) ?? null;
}

const result = (layout, available, startedByUs, reason) => ({ available, nodes: layout?.list ?? null, startedByUs, reason });

async function createCluster(layout, bin, cli, log) {
  const t0 = Date.now();
  for (const n of layout.nodes) {
    rmSync(n.dir, { recursive: true, force: true });
    const reason = await spawnServer(bin, n, redisClusterNodeArgs(n));
    if (reason) return reason;
  }
  const answering = await waitUntil(async () => (await Promise.all(layout.nodes.map((n) => redisCall(n, ['PING'])))).every((p) => p === 'PONG') ? null : 'no PONG', 10_000);
  if (answering) return `cluster nodes do not answer: ${answering}`;
  const created = await run(cli, ['--cluster', 'create', ...layout.nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
  if (created.code !== 0) return `redis-cli --cluster create failed: ${(created.stdout + created.stderr).trim().split('\n').slice(-3).join(' ')}`;
  log(`redis-cluster: 6 nodes started and cluster created in ${seconds(Date.now() - t0)}`);
  return null;
}

/**
 * Starts the cluster, or reuses one that is healthy (ours, or anything else answering on those ports,
 * e.g. docker compose). Nodes of ours that are down are restarted with their nodes.conf; when none is
 * running the cluster is created from scratch. Resolves to `{ available, nodes, startedByUs, reason }`.
 */
export async function redisClusterUp({ root, env = process.env, log = () => {} } = {}) {
  let layout;
  try {
    layout = redisClusterLayout(root, env);
  } catch (err) {
    return result(null, false, false, err.message);
  }
  mkdirSync(layout.dir, { recursive: true });
  return withLock(layout.lock, async () => {
    const started = Date.now();
    const pids = layout.nodes.map(serverPid);
    const health = await redisClusterHealth(layout);
    if (!health) {
      const ours = pids.every(Boolean);
      log(`redis-cluster: ${layout.list} already healthy (${ours ? 'started by motifs' : 'not started by motifs'}), reused`);
      return result(layout, true, ours, null);
    }
    const bin = which('redis-server', env);
    const cli = which('redis-cli', env);
    if (!bin || !cli) return result(layout, false, false, `${bin ? 'redis-cli' : 'redis-server'} not installed (and ${health})`);
    for (const [i, n] of layout.nodes.entries()) {
      if (pids[i]) continue;
      if (!isLocalHost(n.host)) return result(layout, false, false, `${n.host} is not a local address, so not starting a node there`);
      for (const port of [n.port, n.busPort]) {
        if (await portOpen(n.host, port)) return result(layout, false, false, `port ${port} is taken by something that is not a node motifs started (${health})`);
      }
    }
    let reason = null;
    if (pids.some(Boolean)) {
      // Some of ours still run: bring the others back with their nodes.conf, as after a test's kill.
      for (const [i, n] of layout.nodes.entries()) if (!pids[i]) reason ??= await spawnServer(bin, n, redisClusterNodeArgs(n));
      reason ??= await waitUntil(() => redisClusterHealth(layout), START_TIMEOUT_MS, 200);
      if (reason) {
        log(`redis-cluster: restarting the missing nodes did not heal it (${reason}); re-creating`);
        await Promise.all(layout.nodes.map(stopServer));
        reason = null;
      }
    }
    if (layout.nodes.some((n) => !serverPid(n))) {
      reason = await createCluster(layout, bin, cli, log);
      reason ??= await waitUntil(() => redisClusterHealth(layout), START_TIMEOUT_MS, 200);
    }
    if (reason) {
      await Promise.all(layout.nodes.map(stopServer));
      return result(layout, false, false, `cluster not healthy after start: ${reason} (logs in ${layout.dir})`);
    }
    log(`redis-cluster: ready at ${layout.list} (3 masters + 3 replicas, replicas linked, ${seconds(Date.now() - started)})`);
    return result(layout, true, true, null);
  });
}

/** Stops every node motifs started (SIGTERM, SIGKILL after 5 s) and removes their state; leaves anything else alone. */
export async function redisClusterDown({ root, env = process.env, log = () => {} } = {}) {
  const layout = redisClusterLayout(root, env);
  mkdirSync(layout.dir, { recursive: true });
  return withLock(layout.lock, async () => {
    const running = layout.nodes.filter((n) => serverPid(n));
    await Promise.all(running.map(stopServer));
    log(running.length ? `redis-cluster: stopped ${running.length} node(s)` : `redis-cluster: nothing started by motifs; leaving ${layout.list} alone`);
    return result(layout, false, false, 'stopped');
  });
}

export async function redisClusterStatus({ root, env = process.env } = {}) {
  let layout;
  try {
    layout = redisClusterLayout(root, env);
  } catch (err) {
    return result(null, false, false, err.message);
  }
  const reason = await redisClusterHealth(layout);
  return result(layout, !reason, layout.nodes.every((n) => serverPid(n)), reason);
}

// ---- helpers for failover tests ----

function nodeByPort(layout, port) {
  const node = layout.nodes.find((n) => n.port === Number(port));
  if (!node) throw new Error(`redis-cluster has no node on port ${port} (ports ${layout.nodes.map((n) => n.port).join(', ')})`);
  return node;
}

async function anyView(layout) {
  for (const n of layout.nodes) {
    try {
      return { from: n, view: await clusterNodes(n) };
    } catch {
      /* down: ask the next one */
    }
  }
  throw new Error('no redis-cluster node answers');
}

function pidOfPort(layout, port) {
  const node = layout.nodes.find((x) => x.port === port);
  return node ? serverPid(node) : null;
}

/**
 * The cluster as one live node sees it: [{ host, port, role, masterPort, slots, pid }] (pid only for
 * nodes motifs started; a node seen as failing has `failed: true`).
 */
export async function redisClusterTopology({ root, env = process.env } = {}) {
  const layout = redisClusterLayout(root, env);
  const { view } = await anyView(layout);
  const byId = new Map(view.map((n) => [n.id, n]));
  return view
    .map((n) => ({ id: n.id, host: n.host, port: n.port, role: n.role, masterPort: n.masterId ? byId.get(n.masterId)?.port ?? null : null, slots: n.slots, failed: !healthyFlags(n), pid: pidOfPort(layout, n.port) }))
    .sort((a, b) => a.port - b.port);
}

/** The master serving a key (or a slot number) as the live nodes see it now: { host, port, slot, pid }. */
export async function redisClusterMasterOf({ root, env = process.env, key, slot } = {}) {
  const layout = redisClusterLayout(root, env);
  const { from } = await anyView(layout);
  const s = slot ?? Number(await redisCall(from, ['CLUSTER', 'KEYSLOT', String(key)]));
  const master = (await redisClusterTopology({ root, env })).find((n) => n.role === 'master' && !n.failed && n.slots.some(([a, b]) => s >= a && s <= b));
  if (!master) throw new Error(`no live master serves slot ${s}`);
  return { host: master.host, port: master.port, slot: s, pid: master.pid };
}

/** kill -9 one node motifs started; resolves { port, pid } once the process is gone. */
export async function redisClusterKillNode({ root, env = process.env, port }) {
  return killServer(nodeByPort(redisClusterLayout(root, env), port), 'redis-cluster');
}

/** Starts a killed node again with its nodes.conf (it rejoins; a former master comes back as a replica). */
export async function redisClusterStartNode({ root, env = process.env, port }) {
  const layout = redisClusterLayout(root, env);
  const node = nodeByPort(layout, port);
  if (serverPid(node)) return { port: node.port, pid: serverPid(node), started: false };
  if (!existsSync(node.conf)) throw new Error(`redis-cluster node ${port} has no nodes.conf: start the cluster with redisClusterUp first`);
  const bin = which('redis-server', env);
  if (!bin) throw new Error('redis-server not installed');
  const reason = (await spawnServer(bin, node, redisClusterNodeArgs(node))) ?? (await waitUntil(async () => ((await redisCall(node, ['PING'])) === 'PONG' ? null : 'no PONG'), 10_000));
  if (reason) throw new Error(`redis-cluster node ${port}: ${reason}`);
  return { port: node.port, pid: serverPid(node), started: true };
}

/**
 * After killing master `port`: resolves once every live node says cluster_state:ok and no live node
 * gives `port` any slot, i.e. one of its replicas took them over. `{ master: { host, port }, ms }`
 * (the promoted node; ms since the call, so call it right after the kill to measure the failover).
 */
export async function redisClusterWaitFailover({ root, env = process.env, port, timeoutMs = 30_000 }) {
  const layout = redisClusterLayout(root, env);
  const dead = nodeByPort(layout, port);
  const t0 = Date.now();
  const live = layout.nodes.filter((n) => n !== dead);
  const before = (await anyView(layout)).view;
  const deadId = before.find((n) => n.port === dead.port)?.id;
  const replicas = new Set(before.filter((n) => deadId && n.masterId === deadId).map((n) => n.port));
  let master = null;
  const reason = await waitUntil(async () => {
    for (const n of live) {
      if (!/cluster_state:ok/.test(String(await redisCall(n, ['CLUSTER', 'INFO'])))) return `${n.port}: cluster_state not ok`;
      const view = await clusterNodes(n);
      if (view.some((x) => x.port === dead.port && x.slots.length)) return `${n.port}: still gives slots to ${dead.port}`;
      master ??= view.find((x) => replicas.has(x.port) && x.role === 'master') ?? null;
    }
    return null;
  }, timeoutMs, 50);
  if (reason) throw new Error(`redis-cluster: no failover within ${timeoutMs} ms: ${reason}`);
  return { master: master && { host: master.host, port: master.port }, ms: Date.now() - t0 };
}

/** Resolves once the whole cluster is healthy again (every node in, every replica linked); `{ ms }`. */
export async function redisClusterWaitHealthy({ root, env = process.env, timeoutMs = 30_000 } = {}) {
  const layout = redisClusterLayout(root, env);
  const t0 = Date.now();
  const reason = await waitUntil(() => redisClusterHealth(layout), timeoutMs, 100);
  if (reason) throw new Error(`redis-cluster not healthy within ${timeoutMs} ms: ${reason}`);
  return { ms: Date.now() - t0 };
}
