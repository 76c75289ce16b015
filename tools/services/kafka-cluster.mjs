// A 3-node Kafka KRaft cluster on loopback for failover tests: every node is broker + controller,
// the controller quorum is static (controller.quorum.voters), topics default to replication factor 3
// with min.insync.replicas=2 and unclean leader election off, as in production. Started on demand
// (never by the default `up`), so the single-node broker on 9092 stays what every other suite uses.
// Node built-ins only, like the rest of tools/services.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { log4j } from './kafka.mjs';
import { parseBrokers, probeKafka } from './kafka-probe.mjs';
import { compileCheck, findJdk, kafkaVersion, newClusterId, resolveClasspath } from './kafka-runtime.mjs';
import { isLocalHost, pidLooksLike, pidRunning, portOpen, randomId, readJson, run, seconds, sha256, sleep, stateDir, stopPid, withLock, writeJson } from './util.mjs';

export const DEFAULT_CLUSTER_BROKERS = '127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096';
const MAIN_CLASS = 'kafka.Kafka';
const START_TIMEOUT_MS = 120_000;

/**
 * Where each node lives. Node ids are 1..n in the order of MOTIFS_KAFKA_CLUSTER_BROKERS; a node's
 * controller listens on its broker port + 1.
 */
export function clusterLayout(root, env = process.env) {
  const brokers = env.MOTIFS_KAFKA_CLUSTER_BROKERS || DEFAULT_CLUSTER_BROKERS;
  const list = parseBrokers(brokers);
  if (list.length < 3) throw new Error(`MOTIFS_KAFKA_CLUSTER_BROKERS needs 3 or more host:port entries (RF 3), got "${brokers}"`);
  const ports = list.flatMap((b) => [b.port, b.port + 1]);
  if (new Set(ports).size !== ports.length) throw new Error(`MOTIFS_KAFKA_CLUSTER_BROKERS: each node needs its port and port + 1 free of the others, got "${brokers}"`);
  const dir = join(stateDir(root, env), 'kafka-cluster');
  const nodes = list.map(({ host, port }, i) => {
    const nodeDir = join(dir, `node-${i + 1}`);
    return {
      id: i + 1,
      host,
      port,
      controllerPort: port + 1,
      dir: nodeDir,
      data: join(nodeDir, 'data'),
      props: join(nodeDir, 'server.properties'),
      log: join(nodeDir, 'broker.log'),
      state: join(nodeDir, 'state.json'),
    };
  });
  return {
    dir,
    brokers: list.map((b) => `${b.host}:${b.port}`).join(','),
    nodes,
    // The Kafka jars and the readiness check are shared with the single broker's cache.
    runtimeDir: join(stateDir(root, env), 'kafka'),
    formatted: join(dir, 'formatted.json'),
    log4j: join(dir, 'log4j2.properties'),
    quietLog4j: join(dir, 'log4j2-quiet.properties'),
    checkLog: join(dir, 'check.log'),
    lock: join(dir, '..', 'kafka-cluster.lock'),
  };
}

/** server.properties of one node: broker + controller, static voters, production-like durability. */
export function clusterNodeProperties(layout, node) {
  const voters = layout.nodes.map((n) => `${n.id}@${n.host}:${n.controllerPort}`).join(',');
  const props = {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://${node.host}:${node.port},CONTROLLER://${node.host}:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${node.host}:${node.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': node.data,
    // What the failover tests exist to check: an acknowledged write (acks=all) is on at least two
    // replicas, and a replica that missed it can never become leader.
    'num.partitions': 3,
    'default.replication.factor': 3,
    'min.insync.replicas': 2,
    'unclean.leader.election.enable': false,
    'auto.create.topics.enable': true,
    'offsets.topic.replication.factor': 3,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 3,
    'transaction.state.log.min.isr': 2,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 3,
    'share.coordinator.state.topic.min.isr': 2,
    'share.coordinator.state.topic.num.partitions': 1,
    'group.initial.rebalance.delay.ms': 0,
    // A killed node is fenced (and its partitions get new leaders) after the session timeout: 5 s
    // instead of 9 s keeps a failover test short without fencing a node that is merely slow on a
    // loaded box. A restarted node takes its preferred leaderships back within ~10 s, so a test
    // also sees graceful leader moves.
    'broker.session.timeout.ms': 5000,
    'broker.heartbeat.interval.ms': 1000,
    'leader.imbalance.check.interval.seconds': 10,
    'log.retention.ms': 3_600_000,
    'log.retention.bytes': 64 * 1024 * 1024,
    'log.segment.bytes': 16 * 1024 * 1024,
    'log.retention.check.interval.ms': 60_000,
  };
  return `${Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

/** JVM flags of a node: small heaps, and fewer compiler/GC threads (three JVMs share 2 cores in CI). */
export const clusterJvmFlags = ['-Xms256m', '-Xmx384m', '-XX:+UseSerialGC', '-XX:CICompilerCount=2', '-Djava.awt.headless=true'];

/** The recorded pid of a node, only if it is still a Kafka JVM for that node's port. */
function nodePid(node) {
  const state = readJson(node.state);
  return state && state.port === node.port && pidLooksLike(state.pid, MAIN_CLASS) ? state.pid : null;
}

const result = (layout, available, startedByUs, version, reason, extra = {}) => ({ available, brokers: layout?.brokers ?? null, version, startedByUs, reason, ...extra });

function nodesOf(layout) {
  return layout.nodes.map((n) => ({ id: n.id, port: n.port, pid: nodePid(n) }));
}

/** Formats every node's log dir with one cluster id, unless all were formatted from the same properties. */
async function formatAll({ layout, java, cp, texts, log }) {
  const hash = sha256(texts.join('\n'));
  const previous = readJson(layout.formatted);
  if (previous?.propsHash === hash && layout.nodes.every((n) => existsSync(join(n.data, 'meta.properties')))) return null;
  const started = Date.now();
  const clusterId = newClusterId();
  const results = await Promise.all(
    layout.nodes.map((n) => {
      rmSync(n.data, { recursive: true, force: true });
      return run(java, [`-Dlog4j2.configurationFile=${layout.quietLog4j}`, '-XX:TieredStopAtLevel=1', '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', n.props]);
    }),
  );
  const failed = results.find((r) => r.code !== 0);
  if (failed) return `StorageTool format failed: ${(failed.stderr || failed.stdout).trim().split('\n').slice(-3).join(' ')}`;
  writeJson(layout.formatted, { propsHash: hash, clusterId, formattedAt: new Date().toISOString() });
  log(`kafka-cluster: formatted ${layout.nodes.length} KRaft log dirs in ${seconds(Date.now() - started)}`);
  return null;
}

function spawnNode({ node, java, cp, layout, version }) {
  mkdirSync(node.dir, { recursive: true });
  if (existsSync(node.log)) renameSync(node.log, `${node.log}.1`);
  const out = openSync(node.log, 'a');
  const args = [...clusterJvmFlags, `-Dlog4j2.configurationFile=${layout.log4j}`, '-cp', cp, MAIN_CLASS, node.props];
  const child = spawn(java, args, { detached: true, stdio: ['ignore', out, out], cwd: node.dir });
  closeSync(out);
  child.unref();
  writeJson(node.state, { pid: child.pid, port: node.port, version, startedAt: new Date().toISOString() });
  return child.pid;
}

function logTail(node) {
  try {
    const lines = readFileSync(node.log, 'utf8').trim().split('\n');
    const errors = lines.filter((l) => / (ERROR|FATAL) /.test(l) || /Exception/.test(l));
    return (errors.length ? errors : lines).slice(-2).join(' | ').slice(0, 400);
  } catch {
    return 'no log';
  }
}

/** Waits until each given node answers ApiVersions; a node whose JVM exits fails at once. */
async function waitAnswering(layout, nodes, deadline) {
  for (;;) {
    const states = await Promise.all(
      nodes.map(async (n) => {
        if (!nodePid(n)) return `node ${n.id} exited: ${logTail(n)} (see ${n.log})`;
        return (await probeKafka(n, 1000)) === null ? null : 'pending';
      }),
    );
    const dead = states.find((s) => s && s !== 'pending');
    if (dead) return dead;
    if (states.every((s) => s === null)) return null;
    if (Date.now() > deadline) return `nodes ${nodes.filter((_, i) => states[i]).map((n) => n.id).join(', ')} did not answer in time`;
    await sleep(300);
  }
}

async function runtime(layout, env, log) {
  const jdk = findJdk(env);
  if (jdk.reason) return jdk;
  mkdirSync(layout.runtimeDir, { recursive: true });
  const classpath = await resolveClasspath({ stateDir: layout.runtimeDir, env, log });
  if (classpath.reason) return classpath;
  const check = await compileCheck({ stateDir: layout.runtimeDir, cp: classpath.cp, javac: jdk.javac, log });
  if (check.reason) return check;
  return { java: jdk.java, cp: classpath.cp, checkDir: check.dir };
}

/**
 * Starts the cluster (or reuses it when every node already answers and is ours; restarts nodes of
 * ours that are down). Ready means every node answers and a produce/consume check passed.
 * Resolves to `{ available, brokers, version, startedByUs, reason, nodes: [{ id, port, pid }] }`.
 */
export async function clusterUp({ root, env = process.env, log = () => {} } = {}) {
  let layout;
  try {
    layout = clusterLayout(root, env);
  } catch (err) {
    return result(null, false, false, null, err.message);
  }
  mkdirSync(layout.dir, { recursive: true });
  return withLock(layout.lock, async () => {
    const started = Date.now();
    const version = kafkaVersion();
    const probes = await Promise.all(layout.nodes.map((n) => probeKafka(n)));
    const pids = layout.nodes.map(nodePid);
    if (probes.every((p) => p === null) && pids.every(Boolean)) {
      log(`kafka-cluster: ${layout.brokers} already up (started by motifs), reused`);
      return result(layout, true, true, version, null, { nodes: nodesOf(layout) });
    }
    const foreign = layout.nodes.find((n, i) => !pids[i] && probes[i] === null);
    if (foreign) return result(layout, false, false, null, `${foreign.host}:${foreign.port} answers but is not a node motifs started (run \`down --only kafka-cluster\`, or set MOTIFS_KAFKA_CLUSTER_BROKERS)`);
    const missing = layout.nodes.filter((_, i) => !pids[i]);
    for (const n of missing) {
      if (!isLocalHost(n.host)) return result(layout, false, false, null, `${n.host} is not a local address, so not starting a node there`);
      for (const port of [n.port, n.controllerPort]) {
        if (await portOpen(n.host, port)) return result(layout, false, false, null, `port ${port} is taken by something that is not a node of this cluster`);
      }
    }
    const rt = await runtime(layout, env, log);
    if (rt.reason) return result(layout, false, false, null, rt.reason);
    const texts = layout.nodes.map((n) => clusterNodeProperties(layout, n));
    writeFileSync(layout.log4j, log4j('WARN'));
    writeFileSync(layout.quietLog4j, log4j('ERROR'));
    layout.nodes.forEach((n, i) => {
      mkdirSync(n.dir, { recursive: true });
      writeFileSync(n.props, texts[i]);
    });
    // Re-formatting wipes every node, so only when none of ours is running.
    if (missing.length === layout.nodes.length) {
      const formatError = await formatAll({ layout, java: rt.java, cp: rt.cp, texts, log });
      if (formatError) return result(layout, false, false, null, formatError);
    }
    const t0 = Date.now();
    for (const n of missing) spawnNode({ node: n, java: rt.java, cp: rt.cp, layout, version });
    const deadline = t0 + START_TIMEOUT_MS;
    let reason = await waitAnswering(layout, layout.nodes, deadline);
    if (!reason) {
      log(`kafka-cluster: ${layout.nodes.length} nodes answer after ${seconds(Date.now() - t0)}`);
      reason = await check(layout, rt, deadline);
    }
    if (reason) {
      await Promise.all(missing.map((n) => stopNode(n, 5_000)));
      return result(layout, false, false, null, reason);
    }
    log(`kafka-cluster: ${version} ready at ${layout.brokers} (produce/consume passed, total ${seconds(Date.now() - started)})`);
    return result(layout, true, true, version, null, { nodes: nodesOf(layout) });
  });
}

/** The produce/consume check of the single broker, against the whole cluster (it also creates the RF 3 internal topics). */
async function check(layout, rt, deadline) {
  let reason = 'not checked';
  while (Date.now() < deadline) {
    const topic = `motifs-services-check-${randomId()}`;
    const args = [`-Dlog4j2.configurationFile=${layout.quietLog4j}`, '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
    args.push('-cp', `${rt.checkDir}${delimiter}${rt.cp}`, 'MotifsKafkaCheck', layout.brokers, topic, String(Math.max(5000, deadline - Date.now())));
    const r = await run(rt.java, args);
    writeFileSync(layout.checkLog, `${r.stdout}${r.stderr}`);
    if (r.code === 0) return null;
    const failed = /^FAILED: (.*)$/m.exec(r.stdout)?.[1] ?? (r.stderr || r.stdout).trim().split('\n').pop();
    reason = `produce/consume check failed: ${String(failed).slice(0, 400)} (see ${layout.checkLog})`;
    const dead = layout.nodes.find((n) => !nodePid(n));
    if (dead) return `node ${dead.id} exited: ${logTail(dead)}`;
    await sleep(1000);
  }
  return reason;
}

async function stopNode(node, graceMs) {
  const pid = nodePid(node);
  if (pid) await stopPid(pid, { graceMs });
  rmSync(node.state, { force: true });
}

function nodeById(layout, id) {
  const node = layout.nodes.find((n) => n.id === Number(id));
  if (!node) throw new Error(`kafka-cluster has no node ${id} (nodes ${layout.nodes.map((n) => n.id).join(', ')})`);
  return node;
}

/** kill -9 one node (a crash: no controlled shutdown, no flush). Resolves once the JVM is gone. */
export async function clusterKillNode({ root, env = process.env, id }) {
  const layout = clusterLayout(root, env);
  const node = nodeById(layout, id);
  const pid = nodePid(node);
  if (!pid) throw new Error(`kafka-cluster node ${id} is not running (not started by motifs?)`);
  process.kill(pid, 'SIGKILL');
  for (const until = Date.now() + 10_000; pidRunning(pid) && Date.now() < until; ) await sleep(50);
  if (pidRunning(pid)) throw new Error(`kafka-cluster node ${id} (pid ${pid}) survived SIGKILL for 10 s`);
  return { id: node.id, pid };
}

/** Starts one node of a cluster of ours again (after a kill); resolves once it answers ApiVersions. */
export async function clusterStartNode({ root, env = process.env, id, log = () => {}, timeoutMs = 60_000 }) {
  const layout = clusterLayout(root, env);
  const node = nodeById(layout, id);
  if (nodePid(node)) return { id: node.id, pid: nodePid(node), started: false };
  if (!existsSync(join(node.data, 'meta.properties'))) throw new Error(`kafka-cluster node ${id} was never formatted: start the cluster with clusterUp first`);
  const rt = await runtime(layout, env, log);
  if (rt.reason) throw new Error(rt.reason);
  const t0 = Date.now();
  const pid = spawnNode({ node, java: rt.java, cp: rt.cp, layout, version: kafkaVersion() });
  const reason = await waitAnswering(layout, [node], t0 + timeoutMs);
  if (reason) throw new Error(`kafka-cluster node ${id}: ${reason}`);
  log(`kafka-cluster: node ${id} pid ${pid} answers after ${seconds(Date.now() - t0)}`);
  return { id: node.id, pid, started: true };
}

/**
 * Stops every node motifs started (SIGTERM, then SIGKILL after 8 s: the last nodes to go have no
 * controller quorum left for a controlled shutdown and would wait for it). Keeps the data dirs.
 */
export async function clusterDown({ root, env = process.env, log = () => {} } = {}) {
  const layout = clusterLayout(root, env);
  mkdirSync(layout.dir, { recursive: true });
  return withLock(layout.lock, async () => {
    const started = Date.now();
    const running = layout.nodes.filter((n) => nodePid(n));
    await Promise.all(running.map((n) => stopNode(n, 8_000)));
    log(running.length ? `kafka-cluster: stopped ${running.length} node(s) in ${seconds(Date.now() - started)}` : 'kafka-cluster: nothing started by motifs');
    return result(layout, false, false, null, 'stopped', { nodes: nodesOf(layout) });
  });
}

/** Up when every node answers; `startedByUs` when every node is a JVM motifs started. */
export async function clusterStatus({ root, env = process.env } = {}) {
  let layout;
  try {
    layout = clusterLayout(root, env);
  } catch (err) {
    return result(null, false, false, null, err.message);
  }
  const probes = await Promise.all(layout.nodes.map((n) => probeKafka(n)));
  const nodes = nodesOf(layout);
  const up = probes.every((p) => p === null);
  const ours = nodes.every((n) => n.pid);
  const reason = up ? null : probes.map((p, i) => (p ? `node ${layout.nodes[i].id}: ${p}` : null)).filter(Boolean).join('; ');
  return result(layout, up, ours, ours ? kafkaVersion() : null, reason, { nodes });
}
