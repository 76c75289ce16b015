// Kafka: reuse a broker that answers at MOTIFS_KAFKA_BROKERS (docker compose, or one we started
// earlier), else run a real single-node KRaft broker from the Maven jars, without Docker.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { compileCheck, findJdk, kafkaVersion, newClusterId, resolveClasspath } from './kafka-runtime.mjs';
import { parseBrokers, probeKafka } from './kafka-probe.mjs';
import { isLocalHost, pidLooksLike, portOpen, randomId, readJson, run, seconds, sha256, sleep, stateDir, stopPid, writeJson } from './util.mjs';

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
const START_TIMEOUT_MS = 90_000;
const MAIN_CLASS = 'kafka.Kafka';

function paths(root, env) {
  const dir = join(stateDir(root, env), 'kafka');
  const p = (name) => join(dir, name);
  return {
    dir,
    data: p('data'),
    props: p('server.properties'),
    log4j: p('log4j2.properties'),
    quietLog4j: p('log4j2-quiet.properties'),
    formatted: p('formatted.json'),
    state: p('state.json'),
    pidfile: p('broker.pid'),
    brokerLog: p('broker.log'),
    checkLog: p('check.log'),
  };
}

/** Ours only if the recorded pid is still a Kafka JVM for the same port (pids get reused). */
function ours(root, env, port) {
  const state = readJson(paths(root, env).state);
  return state && state.port === port && pidLooksLike(state.pid, MAIN_CLASS) ? state : null;
}

const result = (brokers, available, startedByUs, version, reason) => ({ available, brokers, version, startedByUs, reason });

function serverProperties(p, host, port) {
  const retention = {
    // Test data is disposable: keep disk use small and bounded on long-lived dev machines.
    'log.retention.ms': 3_600_000,
    'log.retention.bytes': 64 * 1024 * 1024,
    'log.segment.bytes': 16 * 1024 * 1024,
    'log.retention.check.interval.ms': 60_000,
  };
  const props = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.bootstrap.servers': `${host}:${port + 1}`,
    listeners: `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${port + 1}`,
    'advertised.listeners': `PLAINTEXT://${host}:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': p.data,
    'num.partitions': 1,
    'auto.create.topics.enable': true,
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    // One partition per internal topic: faster first start and coordinator loading on a 1-node broker.
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.num.partitions': 1,
    ...retention,
  };
  return `${Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

/** log4j2 config for a broker we start (also used by kafka-cluster.mjs). */
export const log4j = (level) =>
  [
    'status = error',
    'appender.out.type = Console',
    'appender.out.name = out',
    'appender.out.target = SYSTEM_ERR',
    'appender.out.layout.type = PatternLayout',
    'appender.out.layout.pattern = [%d] %p %m (%c)%n',
    `rootLogger.level = ${level}`,
    'rootLogger.appenderRef.out.ref = out',
    // The broker's INFO chatter would make broker.log huge; keep only the start/stop milestones.
    'logger.raft.name = kafka.server.KafkaRaftServer',
    'logger.raft.level = INFO',
    '',
  ].join('\n');

/** Formats the KRaft log dir unless it already holds a format made from the same server.properties. */
async function format({ p, java, cp, propsText, force, log }) {
  const propsHash = sha256(propsText);
  const previous = readJson(p.formatted);
  if (!force && previous?.propsHash === propsHash && existsSync(join(p.data, 'meta.properties'))) return null;
  const started = Date.now();
  rmSync(p.data, { recursive: true, force: true });
  const clusterId = newClusterId();
  const args = [`-Dlog4j2.configurationFile=${p.quietLog4j}`, '-cp', cp, 'kafka.tools.StorageTool'];
  const r = await run(java, [...args, 'format', '--standalone', '-t', clusterId, '-c', p.props]);
  if (r.code !== 0) return `StorageTool format failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`;
  writeJson(p.formatted, { propsHash, clusterId, formattedAt: new Date().toISOString() });
  log(`kafka: formatted KRaft storage in ${seconds(Date.now() - started)}`);
  return null;
}

function startBroker({ p, java, cp, port, version }) {
  if (existsSync(p.brokerLog)) renameSync(p.brokerLog, `${p.brokerLog}.1`);
  const out = openSync(p.brokerLog, 'a');
  const jvm = ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true'];
  jvm.push(`-Dlog4j2.configurationFile=${p.log4j}`);
  const child = spawn(java, [...jvm, '-cp', cp, MAIN_CLASS, p.props], { detached: true, stdio: ['ignore', out, out], cwd: p.dir });
  closeSync(out);
  child.unref();
  writeFileSync(p.pidfile, `${child.pid}\n`);
  writeJson(p.state, { pid: child.pid, port, version, startedAt: new Date().toISOString() });
  return child.pid;
}

function logTail(p) {
  const lines = readFileSync(p.brokerLog, 'utf8').trim().split('\n');
  const errors = lines.filter((l) => / (ERROR|FATAL) /.test(l) || /Exception/.test(l));
  return (errors.length ? errors : lines).slice(-2).join(' | ').slice(0, 500);
}

/** Waits until the broker accepts a produce and a consume, or dies, or the time is up. */
async function waitReady({ p, java, cp, checkDir, pid, broker, deadline }) {
  const bootstrap = `${broker.host}:${broker.port}`;
  let reason = 'broker did not start';
  while (Date.now() < deadline) {
    if (!pidLooksLike(pid, MAIN_CLASS)) return { died: true, reason: `broker exited during start-up: ${logTail(p)}` };
    const probe = await probeKafka(broker, 1000);
    if (probe) {
      reason = probe;
      await sleep(300);
      continue;
    }
    const topic = `motifs-services-check-${randomId()}`;
    const args = [`-Dlog4j2.configurationFile=${p.quietLog4j}`, '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
    args.push('-cp', `${checkDir}${delimiter}${cp}`, 'MotifsKafkaCheck', bootstrap, topic, String(Math.max(5000, deadline - Date.now())));
    const r = await run(java, args);
    writeFileSync(p.checkLog, `${r.stdout}${r.stderr}`);
    if (r.code === 0) return { detail: r.stdout.trim() };
    const failed = /^FAILED: (.*)$/m.exec(r.stdout)?.[1] ?? (r.stderr || r.stdout).trim().split('\n').pop();
    reason = `produce/consume check failed: ${failed.slice(0, 400)} (see ${p.checkLog})`;
    await sleep(1000);
  }
  return { reason: `not ready after ${seconds(START_TIMEOUT_MS)}: ${reason}` };
}

export async function kafkaUp({ root, env = process.env, log }) {
  const brokers = env.MOTIFS_KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS;
  const version = kafkaVersion();
  let list;
  try {
    list = parseBrokers(brokers);
  } catch (err) {
    return result(brokers, false, false, null, err.message);
  }
  const started = Date.now();
  const [first] = list;
  let mine = ours(root, env, first.port);
  let probes = await Promise.all(list.map((b) => probeKafka(b)));
  // Our JVM may just be busy (GC, a loaded CI box, still starting): give it time before judging it hung.
  for (const until = Date.now() + 15_000; mine && probes[0] && Date.now() < until; await sleep(500)) {
    probes = [await probeKafka(first, 3000)];
  }
  if (probes.some((r) => r === null)) {
    log(`kafka: broker at ${brokers} answers (${mine ? 'started by motifs' : 'not started by motifs'}), reused in ${seconds(Date.now() - started)}`);
    return result(brokers, true, Boolean(mine), mine?.version ?? null, null);
  }
  const p = paths(root, env);
  if (mine) {
    // Alive but silent for 15 s: hung or wedged. Replace it rather than wait forever.
    log(`kafka: broker pid ${mine.pid} is not answering; restarting it`);
    await stopPid(mine.pid, { graceMs: 15_000, log });
    mine = null;
  }
  const other = readJson(p.state);
  if (other && pidLooksLike(other.pid, MAIN_CLASS)) {
    // .motifs/kafka holds one broker's data; a second one on another port would re-format it.
    return result(brokers, false, false, null, `motifs already runs a broker on port ${other.port} from this checkout (run \`down\` first)`);
  }
  if (!isLocalHost(first.host)) return result(brokers, false, false, null, `${probes[0]} (not a local address, so not starting one)`);
  for (const port of [first.port, first.port + 1]) {
    if (await portOpen(first.host, port)) return result(brokers, false, false, null, `port ${port} is taken by something that is not a working Kafka broker`);
  }
  const jdk = findJdk(env);
  if (jdk.reason) return result(brokers, false, false, null, jdk.reason);
  mkdirSync(p.dir, { recursive: true });
  const classpath = await resolveClasspath({ stateDir: p.dir, env, log });
  if (classpath.reason) return result(brokers, false, false, null, classpath.reason);
  const check = await compileCheck({ stateDir: p.dir, cp: classpath.cp, javac: jdk.javac, log });
  if (check.reason) return result(brokers, false, false, null, check.reason);

  const propsText = serverProperties(p, first.host, first.port);
  writeFileSync(p.props, propsText);
  writeFileSync(p.log4j, log4j('WARN'));
  writeFileSync(p.quietLog4j, log4j('ERROR'));
  // A crashed run can leave a log dir the broker refuses to open; one re-format is the recovery.
  for (const force of [false, true]) {
    const formatError = await format({ p, java: jdk.java, cp: classpath.cp, propsText, force, log });
    if (formatError) return result(brokers, false, false, null, formatError);
    const t0 = Date.now();
    const pid = startBroker({ p, java: jdk.java, cp: classpath.cp, port: first.port, version });
    const deadline = t0 + START_TIMEOUT_MS;
    const ready = await waitReady({ p, java: jdk.java, cp: classpath.cp, checkDir: check.dir, pid, broker: first, deadline });
    if (!ready.reason) {
      log(`kafka: broker ${version} pid ${pid} up and passed produce/consume in ${seconds(Date.now() - t0)} (${ready.detail})`);
      log(`kafka: ready at ${brokers} (started by motifs, total ${seconds(Date.now() - started)})`);
      return result(brokers, true, true, version, null);
    }
    await stopPid(pid, { graceMs: 5_000 });
    rmSync(p.state, { force: true });
    if (!ready.died || force) return result(brokers, false, false, null, `${ready.reason} (see ${p.brokerLog})`);
    log(`kafka: ${ready.reason}; re-formatting the data dir and trying once more`);
  }
  throw new Error('unreachable');
}

export async function kafkaDown({ root, env = process.env, log }) {
  const brokers = env.MOTIFS_KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS;
  const p = paths(root, env);
  const state = readJson(p.state);
  if (state && pidLooksLike(state.pid, MAIN_CLASS)) {
    const started = Date.now();
    const how = await stopPid(state.pid, { graceMs: 30_000, log });
    log(`kafka: broker pid ${state.pid} ${how} in ${seconds(Date.now() - started)}`);
  } else {
    log(`kafka: nothing started by motifs; leaving ${brokers} alone`);
  }
  rmSync(p.state, { force: true });
  rmSync(p.pidfile, { force: true });
}

export async function kafkaStatus({ root, env = process.env }) {
  const brokers = env.MOTIFS_KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS;
  let list;
  try {
    list = parseBrokers(brokers);
  } catch (err) {
    return result(brokers, false, false, null, err.message);
  }
  const mine = ours(root, env, list[0].port);
  const probes = await Promise.all(list.map((b) => probeKafka(b)));
  const up = probes.some((r) => r === null);
  return result(brokers, up, Boolean(mine), mine?.version ?? null, up ? null : probes[0]);
}
