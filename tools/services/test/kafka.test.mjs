// Kafka: the ApiVersions probe against fake servers, `cli.mjs up --only kafka` when no broker can be
// started (no java, port taken), the reuse of the broker already running on 127.0.0.1:9092, and
// `down` stopping only what the state dir says we started. No test starts a JVM, and the broker on
// 9092 is only probed: every CLI run here gets its own MOTIFS_STATE_DIR and a PATH without java.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { kafkaVersion } from '../kafka-runtime.mjs';
import { parseBrokers, probeKafka } from '../kafka-probe.mjs';
import {
  SHARED_KAFKA,
  bareBin,
  cmdline,
  dummyProcess,
  freePort,
  readJsonFile,
  repoRoot,
  runCli,
  statusLine,
  tcpServer,
  tempDir,
  waitFor,
} from '../testkit.mjs';
import { pidRunning, portOpen, which, writeJson } from '../util.mjs';

/** Answers every request with an ApiVersions v0 response: correlation id echoed, given error code. */
function fakeBroker(t, { errorCode = 0, correlation } = {}) {
  return tcpServer(t, (socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      const res = Buffer.alloc(4 + 4 + 2 + 4);
      res.writeInt32BE(res.length - 4, 0);
      res.writeInt32BE(correlation ?? buf.readInt32BE(8), 4); // request: size, api key, version, correlation id
      res.writeInt16BE(errorCode, 8);
      res.writeInt32BE(0, 10); // empty api_keys array
      socket.write(res);
      buf = Buffer.alloc(0);
    });
  });
}

/** Env for one CLI run: own state dir, Redis on a free port (only probed), no java on PATH. */
async function kafkaEnv(t, brokers, extra = {}) {
  return {
    MOTIFS_STATE_DIR: tempDir(t),
    MOTIFS_KAFKA_BROKERS: brokers,
    MOTIFS_REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    PATH: bareBin(t),
    ...extra,
  };
}

describe('parseBrokers', () => {
  test('comma-separated host:port list', () => {
    assert.deepEqual(parseBrokers('127.0.0.1:9092, 127.0.0.1:9093,'), [
      { host: '127.0.0.1', port: 9092 },
      { host: '127.0.0.1', port: 9093 },
    ]);
    assert.throws(() => parseBrokers('127.0.0.1'), /broker "127.0.0.1" is not host:port/);
    assert.throws(() => parseBrokers('127.0.0.1:x'), /is not host:port/);
  });
});

describe('probeKafka tells a Kafka broker from anything else', () => {
  test('a server answering ApiVersions like a broker (error 0, or 35 UNSUPPORTED_VERSION) is a broker', async (t) => {
    for (const errorCode of [0, 35]) {
      const { port } = await fakeBroker(t, { errorCode });
      assert.equal(await probeKafka({ host: '127.0.0.1', port }), null, `error code ${errorCode}`);
    }
  });

  test('a well-framed answer with another error code or correlation id is not', async (t) => {
    for (const opts of [{ errorCode: 1 }, { correlation: 42 }]) {
      const { port } = await fakeBroker(t, opts);
      assert.equal(await probeKafka({ host: '127.0.0.1', port }), `127.0.0.1:${port} answered, but not like a Kafka broker`, JSON.stringify(opts));
    }
  });

  test('an echo server is not a broker', async (t) => {
    const { port } = await tcpServer(t, (socket) => socket.pipe(socket));
    assert.equal(await probeKafka({ host: '127.0.0.1', port }), `127.0.0.1:${port} answered, but not like a Kafka broker`);
  });

  test('an HTTP-ish server that answers and hangs up is not a broker', async (t) => {
    const { port } = await tcpServer(t, (socket) => socket.on('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    assert.equal(await probeKafka({ host: '127.0.0.1', port }), `127.0.0.1:${port} closed the connection (not a Kafka broker?)`);
  });

  test('a server that accepts but never answers is not a broker (bounded by the timeout)', async (t) => {
    const { port } = await tcpServer(t, () => {});
    const started = Date.now();
    assert.equal(await probeKafka({ host: '127.0.0.1', port }, 300), `127.0.0.1:${port} did not answer an ApiVersions request in 300ms`);
    assert.ok(Date.now() - started < 2000);
  });

  test('nothing listening', async () => {
    const port = await freePort();
    assert.equal(await probeKafka({ host: '127.0.0.1', port }), `nothing listening on 127.0.0.1:${port}`);
  });
});

describe('kafka: when no broker can be started', () => {
  test('the bare PATH really has node but no java', (t) => {
    const dir = bareBin(t);
    assert.deepEqual(readdirSync(dir).sort(), which('mvn') ? ['mvn', 'node'] : ['node']);
    assert.equal(which('java', { PATH: dir }), null);
    assert.equal(which('redis-server', { PATH: dir }), null);
  });

  test('no java, free port, CI unset: exit 0 with the loud SKIPPED line', async (t) => {
    const port = await freePort({ pair: true });
    const env = await kafkaEnv(t, `127.0.0.1:${port}`);
    const r = await runCli(['up', '--only', 'kafka'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^!!! motifs: integration suites for kafka will be SKIPPED: java not found on PATH !!!$/m);
    assert.match(statusLine(r.stdout, 'kafka'), new RegExp(`^  kafka  down  127\\.0\\.0\\.1:${port} +java not found on PATH$`));
    assert.equal(r.stderr, '');
    assert.deepEqual(readJsonFile(join(env.MOTIFS_STATE_DIR, 'services.json')).kafka, {
      available: false,
      brokers: `127.0.0.1:${port}`,
      version: null,
      startedByUs: false,
      reason: 'java not found on PATH',
    });
    // only the selected service counts: the Redis that is not there does not make this a redis skip
    assert.doesNotMatch(r.stdout, /suites for redis/);
  });

  test('no java, free port, CI=true: exit 1 with "could not be started in CI"', async (t) => {
    const port = await freePort({ pair: true });
    const env = await kafkaEnv(t, `127.0.0.1:${port}`, { CI: 'true' });
    const r = await runCli(['up', '--only', 'kafka'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^motifs services: kafka could not be started in CI: java not found on PATH$/m);
    assert.doesNotMatch(r.stdout, /SKIPPED/);
  });

  test('JAVA_HOME without a bin/java falls back to PATH (still no java)', async (t) => {
    const port = await freePort({ pair: true });
    const env = await kafkaEnv(t, `127.0.0.1:${port}`, { JAVA_HOME: tempDir(t), CI: 'true' });
    const r = await runCli(['up', '--only', 'kafka'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /kafka could not be started in CI: java not found on PATH/);
  });

  test('port taken by a non-Kafka server: classified as not a broker, nothing started (CI: exit 1)', async (t) => {
    const { port } = await tcpServer(t, (socket) => socket.pipe(socket));
    for (const ci of [undefined, 'true']) {
      const env = await kafkaEnv(t, `127.0.0.1:${port}`, { CI: ci });
      const r = await runCli(['up', '--only', 'kafka'], env);
      const reason = `port ${port} is taken by something that is not a working Kafka broker`;
      if (ci) {
        assert.equal(r.code, 1);
        assert.ok(r.stderr.includes(`kafka could not be started in CI: ${reason}`), r.stderr);
      } else {
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.includes(`integration suites for kafka will be SKIPPED: ${reason} !!!`), r.stdout);
      }
      assert.equal(existsSync(join(env.MOTIFS_STATE_DIR, 'kafka')), false, 'nothing was prepared for a broker');
    }
  });

  test('the controller port (port + 1) taken is reported too', async (t) => {
    const { port: taken } = await tcpServer(t, () => {});
    // a free broker port just below the taken one, when the OS lets us have it
    const port = taken - 1;
    if (await portOpen('127.0.0.1', port)) return t.skip(`port ${port} happens to be in use`);
    const env = await kafkaEnv(t, `127.0.0.1:${port}`, { CI: 'true' });
    const r = await runCli(['up', '--only', 'kafka'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`kafka could not be started in CI: port ${taken} is taken by something that is not a working Kafka broker`));
  });

  test('a malformed MOTIFS_KAFKA_BROKERS is reported, not thrown', async (t) => {
    const env = await kafkaEnv(t, '127.0.0.1', { CI: 'true' });
    const r = await runCli(['up', '--only', 'kafka'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /kafka could not be started in CI: broker "127.0.0.1" is not host:port/);
  });
});

describe('kafka: reuse', () => {
  test('any answering broker in the list is reused without java', async (t) => {
    const { port } = await fakeBroker(t);
    const dead = await freePort({ pair: true });
    const env = await kafkaEnv(t, `127.0.0.1:${dead},127.0.0.1:${port}`, { CI: 'true' });
    const r = await runCli(['up', '--only', 'kafka'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kafka: broker at .* answers \(not started by motifs\), reused in/);
    assert.equal(readJsonFile(join(env.MOTIFS_STATE_DIR, 'services.json')).kafka.available, true);
  });

  test('a broker the state dir says we started is reused as ours, with its version, and not restarted', async (t) => {
    const { port } = await fakeBroker(t);
    const jvm = await dummyProcess(t, 'kafka.Kafka'); // stands in for our broker JVM
    const env = await kafkaEnv(t, `127.0.0.1:${port}`);
    writeJson(join(env.MOTIFS_STATE_DIR, 'kafka', 'state.json'), { pid: jvm.pid, port, version: '9.9.9', startedAt: 'x' });

    const r = await runCli(['up', '--only', 'kafka'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /answers \(started by motifs\), reused in/);
    assert.match(statusLine(r.stdout, 'kafka'), / {2}up +127\.0\.0\.1:\d+ +started by motifs, Kafka 9\.9\.9$/);
    assert.deepEqual(readJsonFile(join(env.MOTIFS_STATE_DIR, 'services.json')).kafka, {
      available: true,
      brokers: `127.0.0.1:${port}`,
      version: '9.9.9',
      startedByUs: true,
      reason: null,
    });
    assert.ok(pidRunning(jvm.pid), 'not restarted');
  });
});

describe('kafka: down stops only what the state dir says we started', () => {
  test('a live process recorded as our broker (cmdline kafka.Kafka) is stopped; the broker port is left alone', async (t) => {
    const { port } = await fakeBroker(t);
    const jvm = await dummyProcess(t, 'kafka.Kafka');
    const env = await kafkaEnv(t, `127.0.0.1:${port}`);
    writeJson(join(env.MOTIFS_STATE_DIR, 'kafka', 'state.json'), { pid: jvm.pid, port, version: '9.9.9', startedAt: 'x' });
    const r = await runCli(['down', '--only', 'kafka'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`kafka: broker pid ${jvm.pid} stopped in`));
    assert.ok(await waitFor(() => !pidRunning(jvm.pid), 2000));
    assert.equal(existsSync(join(env.MOTIFS_STATE_DIR, 'kafka', 'state.json')), false);
    assert.match(statusLine(r.stdout, 'kafka'), / {2}up +127\.0\.0\.1:\d+ +not started by motifs$/);
  });

  test('a recorded pid that is not a Kafka JVM is not stopped', async (t) => {
    const other = await dummyProcess(t, 'something-else');
    const port = await freePort({ pair: true });
    const env = await kafkaEnv(t, `127.0.0.1:${port}`);
    writeJson(join(env.MOTIFS_STATE_DIR, 'kafka', 'state.json'), { pid: other.pid, port, version: '9.9.9', startedAt: 'x' });
    const r = await runCli(['down', '--only', 'kafka'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kafka: nothing started by motifs; leaving 127\.0\.0\.1:\d+ alone/);
    assert.equal(await waitFor(() => !pidRunning(other.pid), 300), false, 'still running');
  });

  test('a broker of this checkout on another port blocks starting a second one', async (t) => {
    const jvm = await dummyProcess(t, 'kafka.Kafka');
    const port = await freePort({ pair: true });
    const env = await kafkaEnv(t, `127.0.0.1:${port}`, { CI: 'true' });
    writeJson(join(env.MOTIFS_STATE_DIR, 'kafka', 'state.json'), { pid: jvm.pid, port: port + 100, version: '9.9.9', startedAt: 'x' });
    const r = await runCli(['up', '--only', 'kafka'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`motifs already runs a broker on port ${port + 100} from this checkout \\(run \`down\` first\\)`));
    assert.ok(pidRunning(jvm.pid));
  });
});

describe('kafka: the broker already running on 127.0.0.1:9092', () => {
  const shared = `${SHARED_KAFKA.host}:${SHARED_KAFKA.port}`;
  const realState = join(repoRoot, '.motifs', 'kafka', 'state.json');
  const readState = () => (existsSync(realState) ? readJsonFile(realState) : null);

  test('probe, status (read-only, real state) and a fast `up` that reuses it without restarting it', async (t) => {
    const down = await probeKafka(SHARED_KAFKA);
    if (down) return t.skip(`no broker answers on ${shared}: ${down}`);
    const servicesJson = join(repoRoot, '.motifs', 'services.json');
    const recorded = existsSync(servicesJson) ? readJsonFile(servicesJson).kafka : null;
    const state = readState();
    const ours = Boolean(state && state.port === SHARED_KAFKA.port && pidRunning(state.pid) && cmdline(state.pid).includes('kafka.Kafka'));
    if (recorded?.brokers === shared) assert.equal(recorded.available, true, '.motifs/services.json agrees it is up');

    // status against the real .motifs (it only reads): who started it
    const status = await runCli(['status', '--only', 'kafka'], { MOTIFS_KAFKA_BROKERS: shared, MOTIFS_REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    assert.equal(status.code, 0, status.stderr);
    const expected = ours ? `started by motifs, Kafka ${state.version ?? kafkaVersion()}` : 'not started by motifs';
    assert.match(statusLine(status.stdout, 'kafka'), new RegExp(`^  kafka  up    ${shared.replace(/\./g, '\\.')} +${expected.replace(/\./g, '\\.')}$`));

    // up with a throwaway state dir (so it can never decide the broker is "ours" and restart it)
    // and no java on PATH (so it could not start another one either)
    const env = await kafkaEnv(t, shared);
    const up = await runCli(['up', '--only', 'kafka'], env);
    assert.equal(up.code, 0, up.stderr);
    const reused = /kafka: broker at 127\.0\.0\.1:9092 answers \(not started by motifs\), reused in (\d+\.\d)s/.exec(up.stdout);
    assert.ok(reused, up.stdout);
    assert.ok(Number(reused[1]) < 2, `reuse took ${reused[1]} s`);
    assert.ok(up.ms < 10_000, `the whole CLI run took ${up.ms} ms`);
    assert.doesNotMatch(up.stdout, /SKIPPED|formatted|mvn|compiled|restarting/);
    assert.deepEqual(readJsonFile(join(env.MOTIFS_STATE_DIR, 'services.json')).kafka, {
      available: true,
      brokers: shared,
      version: null,
      startedByUs: false,
      reason: null,
    });
    assert.equal(existsSync(join(env.MOTIFS_STATE_DIR, 'kafka')), false, 'nothing prepared for a new broker');

    assert.equal(await probeKafka(SHARED_KAFKA), null, 'still answering');
    if (ours) {
      const after = readState();
      assert.equal(after?.pid, state.pid, 'same broker pid');
      assert.equal(after?.startedAt, state.startedAt, 'not restarted');
      assert.ok(pidRunning(state.pid));
    }
  });
});
