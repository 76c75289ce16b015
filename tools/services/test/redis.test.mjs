// `cli.mjs up|status|down --only redis` in child processes with a controlled env. Every run gets its
// own MOTIFS_STATE_DIR (a temp dir), so the real .motifs/ is never written; a redis-server a test
// starts listens on a free port, never on the shared 6379, which must keep answering throughout.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connectRedis, pingRedis } from '../resp.mjs';
import {
  SHARED_REDIS_URL,
  bareBin,
  cmdline,
  dummyProcess,
  freePort,
  killRedisOnPort,
  readJsonFile,
  runCli,
  statusLine,
  tcpServer,
  tempDir,
  waitFor,
} from '../testkit.mjs';
import { status } from '../index.mjs';
import { pidRunning, portOpen, which, writeJson } from '../util.mjs';

const haveRedisServer = Boolean(which('redis-server'));

/** Env for one CLI run: own state dir, Redis on `redisPort`, Kafka on a port nobody listens on. */
async function redisEnv(t, url, extra = {}) {
  return {
    MOTIFS_STATE_DIR: tempDir(t),
    MOTIFS_REDIS_URL: url,
    MOTIFS_KAFKA_BROKERS: `127.0.0.1:${await freePort({ pair: true })}`,
    ...extra,
  };
}

/** The shared Redis' pid and uptime from INFO (read-only), or null when it does not answer. */
async function sharedRedisInfo() {
  if (await pingRedis(SHARED_REDIS_URL)) return null;
  const client = await connectRedis(SHARED_REDIS_URL);
  try {
    const info = await client.call('INFO', 'server');
    return { pid: Number(/process_id:(\d+)/.exec(info)[1]), runId: /run_id:(\w+)/.exec(info)[1] };
  } finally {
    client.close();
  }
}

/** Makes sure a redis-server this test started is gone even when an assertion failed half-way. */
function cleanupOwnRedis(t, port) {
  t.after(() => killRedisOnPort(port));
}

describe('redis: a redis-server of our own on a free port', { skip: haveRedisServer ? false : 'redis-server not on PATH' }, () => {
  test('up starts it, status says started by us, a second up reuses it, down stops it and only it', async (t) => {
    const sharedBefore = await sharedRedisInfo();
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const env = await redisEnv(t, url);
    cleanupOwnRedis(t, port);

    const up = await runCli(['up', '--only', 'redis'], env);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, new RegExp(`redis: started redis-server on port ${port} in`));
    assert.match(statusLine(up.stdout, 'redis'), new RegExp(`^  redis  up +${url} +started by motifs$`));
    assert.doesNotMatch(up.stdout, /SKIPPED/);
    assert.match(up.stdout, new RegExp(`wrote ${join(env.MOTIFS_STATE_DIR, 'services.json')}`));
    const written = readJsonFile(join(env.MOTIFS_STATE_DIR, 'services.json'));
    assert.deepEqual(written.redis, { available: true, url, startedByUs: true, reason: null });

    const state = readJsonFile(join(env.MOTIFS_STATE_DIR, 'redis', 'state.json'));
    assert.equal(state.port, port);
    assert.ok(pidRunning(state.pid), 'the recorded pid is running');
    assert.match(cmdline(state.pid), new RegExp(`redis-server .*:${port}`));
    if (sharedBefore) assert.notEqual(state.pid, sharedBefore.pid);
    assert.equal(await pingRedis(url), null);

    const status = await runCli(['status', '--only', 'redis'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(statusLine(status.stdout, 'redis'), / {2}up +redis:\/\/127\.0\.0\.1:\d+ +started by motifs$/);

    const again = await runCli(['up', '--only', 'redis'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /redis: ready at .* \(started by motifs, /);
    assert.doesNotMatch(again.stdout, /started redis-server on port/);
    assert.equal(readJsonFile(join(env.MOTIFS_STATE_DIR, 'redis', 'state.json')).pid, state.pid, 'same server, not restarted');

    const down = await runCli(['down', '--only', 'redis'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, new RegExp(`redis: stopping redis-server pid ${state.pid}: stopped`));
    assert.match(statusLine(down.stdout, 'redis'), / {2}down {2}/);
    assert.equal(pidRunning(state.pid), false, 'our redis-server is gone');
    assert.equal(await portOpen('127.0.0.1', port), false);
    assert.equal(existsSync(join(env.MOTIFS_STATE_DIR, 'redis', 'state.json')), false);
    assert.equal(readJsonFile(join(env.MOTIFS_STATE_DIR, 'services.json')).redis.available, false);

    if (sharedBefore) {
      assert.equal(await pingRedis(SHARED_REDIS_URL), null, 'the shared Redis still answers PING');
      assert.deepEqual(await sharedRedisInfo(), sharedBefore, 'the shared Redis is the same process, not restarted');
    }
  });

  test('password and db from the URL: started with requirepass, redacted in output, SELECT honoured', async (t) => {
    const port = await freePort();
    const password = 'pa:ss@x'; // needs percent-encoding in a URL
    const base = `127.0.0.1:${port}`;
    const url = `redis://:${encodeURIComponent(password)}@${base}/3`;
    const env = await redisEnv(t, url);
    cleanupOwnRedis(t, port);

    const up = await runCli(['up', '--only', 'redis'], env);
    assert.equal(up.code, 0, up.stderr);
    assert.match(statusLine(up.stdout, 'redis'), new RegExp(`  up +redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/3 +started by motifs$`));
    for (const leaked of [password, encodeURIComponent(password)]) {
      assert.ok(!up.stdout.includes(leaked) && !up.stderr.includes(leaked), `printed output must not contain ${leaked}`);
    }
    // services.json carries the real URL: the test runner hands it to the suites.
    assert.equal(readJsonFile(join(env.MOTIFS_STATE_DIR, 'services.json')).redis.url, url);

    assert.match(await pingRedis(`redis://${base}`), /NOAUTH/, 'no password: refused');
    assert.match(await pingRedis(`redis://:wrong@${base}`), /WRONGPASS|invalid password/, 'wrong password: refused');
    assert.equal(await pingRedis(url), null);

    // SELECT: a key written through the URL (db 3) is not visible in db 0.
    const inDb3 = await connectRedis(url);
    const inDb0 = await connectRedis(`redis://:${encodeURIComponent(password)}@${base}/0`);
    t.after(() => {
      inDb3.close();
      inDb0.close();
    });
    await inDb3.call('SET', 'k', 'three');
    assert.equal(await inDb0.call('GET', 'k'), null);
    assert.equal(await inDb3.call('GET', 'k'), 'three');

    const down = await runCli(['down', '--only', 'redis'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /redis: stopping redis-server pid \d+: stopped/);
    assert.ok(!down.stdout.includes(encodeURIComponent(password)));
    assert.equal(await portOpen('127.0.0.1', port), false);
  });
});

describe('redis: the shared 127.0.0.1:6379', () => {
  test('up reuses it (startedByUs false, nothing started), down leaves it alone', async (t) => {
    const before = await sharedRedisInfo();
    if (!before) return t.skip(`no Redis answers at ${SHARED_REDIS_URL}`);
    const env = await redisEnv(t, SHARED_REDIS_URL);

    const up = await runCli(['up', '--only', 'redis'], env);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /redis: ready at redis:\/\/127\.0\.0\.1:6379 \(already running, reused, /);
    assert.match(statusLine(up.stdout, 'redis'), / {2}up +redis:\/\/127\.0\.0\.1:6379 +not started by motifs$/);
    assert.deepEqual(readJsonFile(join(env.MOTIFS_STATE_DIR, 'services.json')).redis, {
      available: true,
      url: SHARED_REDIS_URL,
      startedByUs: false,
      reason: null,
    });
    assert.equal(existsSync(join(env.MOTIFS_STATE_DIR, 'redis')), false, 'nothing was started or recorded');

    const down = await runCli(['down', '--only', 'redis'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /redis: nothing started by motifs; leaving redis:\/\/127\.0\.0\.1:6379 alone/);
    assert.match(statusLine(down.stdout, 'redis'), / {2}up +redis:\/\/127\.0\.0\.1:6379 +not started by motifs$/);
    assert.deepEqual(await sharedRedisInfo(), before, 'same process, still answering');
  });
});

describe('redis: when it cannot be made available', () => {
  test('redis-server missing, free port: loud SKIPPED line and exit 0 outside CI', async (t) => {
    const port = await freePort();
    const env = await redisEnv(t, `redis://127.0.0.1:${port}`, { PATH: bareBin(t) });
    const r = await runCli(['up', '--only', 'redis'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^!!! motifs: integration suites for redis will be SKIPPED: redis-server not installed \\(and nothing listening on redis://127\\.0\\.0\\.1:${port}\\) !!!$`,
        'm',
      ),
    );
    assert.equal(r.stderr, '');
    assert.deepEqual(readJsonFile(join(env.MOTIFS_STATE_DIR, 'services.json')).redis, {
      available: false,
      url: `redis://127.0.0.1:${port}`,
      startedByUs: false,
      reason: `redis-server not installed (and nothing listening on redis://127.0.0.1:${port})`,
    });
  });

  for (const ci of ['true', '1']) {
    test(`redis-server missing, free port, CI=${ci}: exit 1 with "could not be started in CI"`, async (t) => {
      const port = await freePort();
      const env = await redisEnv(t, `redis://127.0.0.1:${port}`, { PATH: bareBin(t), CI: ci });
      const r = await runCli(['up', '--only', 'redis'], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^motifs services: redis could not be started in CI: redis-server not installed \(and nothing listening on /m);
      assert.doesNotMatch(r.stdout, /SKIPPED/);
    });
  }

  test('CI=false is not CI', async (t) => {
    const env = await redisEnv(t, `redis://127.0.0.1:${await freePort()}`, { PATH: bareBin(t), CI: 'false' });
    const r = await runCli(['up', '--only', 'redis'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /will be SKIPPED: redis-server not installed/);
  });

  test('port taken by something that is not Redis: fails fast, starts nothing (CI: exit 1)', async (t) => {
    const { port } = await tcpServer(t, (socket) => socket.on('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    for (const ci of [undefined, 'true']) {
      const env = await redisEnv(t, `redis://127.0.0.1:${port}`, { CI: ci }); // real PATH: redis-server is findable
      const r = await runCli(['up', '--only', 'redis'], env);
      const reason = `port ${port} is taken by something that is not a working Redis: 127.0.0.1:${port} does not speak RESP`;
      if (ci) {
        assert.equal(r.code, 1);
        assert.ok(r.stderr.includes(`redis could not be started in CI: ${reason}`), r.stderr);
      } else {
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.includes(`integration suites for redis will be SKIPPED: ${reason}`), r.stdout);
      }
      assert.ok(r.ms < 5000, `took ${r.ms} ms`);
      assert.equal(existsSync(join(env.MOTIFS_STATE_DIR, 'redis')), false, 'no redis-server was launched');
    }
  });

  test('unsupported URL scheme', async (t) => {
    const env = await redisEnv(t, 'http://127.0.0.1:6379', { CI: 'true' });
    const r = await runCli(['up', '--only', 'redis'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /redis could not be started in CI: unsupported Redis URL scheme "http:"/);
  });
});

describe('redis: a stale state file is not trusted', () => {
  test('a live pid that is not a redis-server is neither "ours" nor stopped by down', async (t) => {
    const port = await freePort();
    const env = await redisEnv(t, `redis://127.0.0.1:${port}`, { PATH: bareBin(t) });
    const victim = await dummyProcess(t);
    writeJson(join(env.MOTIFS_STATE_DIR, 'redis', 'state.json'), { pid: victim.pid, port, startedAt: new Date().toISOString() });

    const s = await status({ env, log: () => {} });
    assert.equal(s.redis.startedByUs, false);

    const down = await runCli(['down', '--only', 'redis'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /redis: nothing started by motifs; leaving/);
    assert.equal(await waitFor(() => !pidRunning(victim.pid), 300), false, 'the unrelated process is still running');
    assert.equal(existsSync(join(env.MOTIFS_STATE_DIR, 'redis', 'state.json')), false, 'the stale state is dropped');
  });
});
