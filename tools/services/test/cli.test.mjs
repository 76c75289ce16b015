// CLI arguments, MOTIFS_STATE_DIR, the cross-process lock and the programmatic API's CI behaviour.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ServicesUnavailableError, resultFile, status, unavailable, up } from '../index.mjs';
import { bareBin, freePort, readJsonFile, repoRoot, runCli, spawnCli, stateDirHonoured, tempDir } from '../testkit.mjs';
import { pidAlive, sleep, stateDir } from '../util.mjs';

/** Env under which `up` finishes fast and starts nothing: no redis-server/java on PATH, free ports. */
async function quietEnv(t, extra = {}) {
  // Distinct ports: freePort() asked twice in a row may get the same port back from the OS, and a
  // list naming one node twice is refused (CI once saw sentinels 36139,46477,36139).
  const taken = new Set();
  const distinct = async (pick) => {
    for (;;) {
      const port = await pick();
      if (!taken.has(port)) return taken.add(port), port;
    }
  };
  const hosts = async (n, pick = freePort) => {
    const ports = [];
    for (let i = 0; i < n; i++) ports.push(await distinct(pick));
    return ports.map((p) => `127.0.0.1:${p}`).join(',');
  };
  return {
    MOTIFS_STATE_DIR: tempDir(t),
    MOTIFS_REDIS_URL: `redis://${await hosts(1)}`,
    MOTIFS_KAFKA_BROKERS: await hosts(1, () => freePort({ pair: true })),
    // Never the real cluster/sentinel ports (a topology answering there would be reused).
    MOTIFS_REDIS_CLUSTER_NODES: await hosts(6, () => freePortBelow(55_535)),
    MOTIFS_REDIS_SENTINEL_SERVERS: await hosts(2),
    MOTIFS_REDIS_SENTINELS: await hosts(3),
    PATH: bareBin(t),
    ...extra,
  };
}

/** A free port whose cluster bus port (+ 10000) is a valid port. */
async function freePortBelow(max) {
  for (;;) {
    const port = await freePort();
    if (port <= max) return port;
  }
}

describe('cli arguments', () => {
  const cases = [
    [[], /^motifs services: usage: node tools\/services\/cli\.mjs up\|down\|status/],
    [['start'], /usage:/],
    [['up', '--only', 'mysql'], /--only expects one of redis, kafka/],
    [['up', '--only=postgres'], /--only expects one of redis, kafka/],
    [['status', '--verbose'], /unexpected argument "--verbose"/],
  ];
  for (const [args, message] of cases) {
    test(`\`${args.join(' ') || '(none)'}\` exits 1 with a usage error`, async (t) => {
      const env = await quietEnv(t);
      const r = await runCli(args, env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
      assert.equal(existsSync(join(env.MOTIFS_STATE_DIR, 'services.json')), false, 'nothing written');
    });
  }

  test('--only=redis (with =) selects one service', async (t) => {
    const env = await quietEnv(t);
    const r = await runCli(['up', '--only=redis'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /integration suites for redis will be SKIPPED/);
    assert.doesNotMatch(r.stdout, /suites for (kafka|redis and kafka)/);
  });

  test('plain `up` reports both missing services in one SKIPPED line, or both errors in CI', async (t) => {
    const env = await quietEnv(t);
    const r = await runCli(['up'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^!!! motifs: integration suites for redis and kafka and redis-cluster and redis-sentinel will be SKIPPED: redis: redis-server not installed .*; kafka: java not found on PATH; redis-cluster: redis-server not installed .*; redis-sentinel: redis-server not installed .* !!!$/m);
    const ci = await runCli(['up'], { ...env, CI: 'true' });
    assert.equal(ci.code, 1);
    assert.match(ci.stderr, /redis could not be started in CI: redis-server not installed/);
    assert.match(ci.stderr, /kafka could not be started in CI: java not found on PATH/);
    assert.match(ci.stderr, /redis-cluster could not be started in CI: redis-server not installed/);
    assert.match(ci.stderr, /redis-sentinel could not be started in CI: redis-server not installed/);
  });
});

describe('MOTIFS_STATE_DIR', () => {
  test('services.json, the lock and per-service state go there, not into the checkout', async (t) => {
    const env = await quietEnv(t);
    const r = await runCli(['up'], env);
    assert.equal(r.code, 0, r.stderr);
    const file = join(env.MOTIFS_STATE_DIR, 'services.json');
    assert.match(r.stdout, new RegExp(`^motifs services: wrote ${file}$`, 'm'));
    const written = readJsonFile(file);
    assert.deepEqual(Object.keys(written), ['redis', 'kafka', 'redis-cluster', 'redis-sentinel']);
    assert.equal(written['redis-cluster'].nodes, env.MOTIFS_REDIS_CLUSTER_NODES);
    assert.equal(written['redis-sentinel'].sentinels, env.MOTIFS_REDIS_SENTINELS);
    assert.equal(written.redis.url, env.MOTIFS_REDIS_URL);
    assert.equal(written.kafka.brokers, env.MOTIFS_KAFKA_BROKERS);
    assert.equal(existsSync(join(env.MOTIFS_STATE_DIR, 'services.lock')), false, 'lock released');
  });

  test('redis and kafka state recorded there is what status reads (the guard every up/down here relies on)', async () => {
    assert.equal(await stateDirHonoured(), true);
  });

  test('defaults to <repo>/.motifs', () => {
    assert.equal(stateDir(repoRoot, {}), join(repoRoot, '.motifs'));
    assert.equal(resultFile(repoRoot, {}), join(repoRoot, '.motifs', 'services.json'));
    assert.equal(resultFile(repoRoot, { MOTIFS_STATE_DIR: '/tmp/x' }), '/tmp/x/services.json');
  });
});

describe('the services lock', () => {
  test('up waits while another live process holds the lock, and proceeds once it is released', async (t) => {
    const env = await quietEnv(t);
    const lock = join(env.MOTIFS_STATE_DIR, 'services.lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, 'owner'), String(process.pid)); // alive: this test process
    const { out } = await spawnCli(t, ['up'], env);
    await sleep(1200);
    assert.equal(out.code, null, `up must still be waiting for the lock (stdout: ${out.stdout})`);
    assert.equal(existsSync(join(env.MOTIFS_STATE_DIR, 'services.json')), false);
    rmSync(lock, { recursive: true, force: true });
    const code = await Promise.race([out.done, new Promise((resolve) => setTimeout(resolve, 10_000, 'timeout').unref())]);
    assert.equal(code, 0, out.stderr);
    assert.ok(existsSync(join(env.MOTIFS_STATE_DIR, 'services.json')));
  });

  test('a lock left by a dead process is taken over', async (t) => {
    const env = await quietEnv(t);
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    assert.equal(pidAlive(dead.pid), false);
    const lock = join(env.MOTIFS_STATE_DIR, 'services.lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, 'owner'), String(dead.pid));
    const r = await runCli(['up'], env, { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
    assert.equal(existsSync(lock), false);
  });

  test('a lock without an owner file older than 10 s is taken over', async (t) => {
    const env = await quietEnv(t);
    const lock = join(env.MOTIFS_STATE_DIR, 'services.lock');
    mkdirSync(lock, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const r = await runCli(['down'], env, { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(lock), false);
  });
});

describe('programmatic API', () => {
  test('up({ ci: true }) rejects with ServicesUnavailableError carrying the result', async (t) => {
    assert.ok(await stateDirHonoured(), 'MOTIFS_STATE_DIR must be honoured before calling up() in-process');
    const env = await quietEnv(t);
    const lines = [];
    await assert.rejects(up({ only: 'kafka', ci: true, env, log: (l) => lines.push(l) }), (err) => {
      assert.ok(err instanceof ServicesUnavailableError);
      assert.equal(err.message, 'motifs services: kafka could not be started in CI: java not found on PATH');
      assert.equal(err.result.kafka.available, false);
      assert.equal(err.result.redis.available, false, 'the other service is probed too');
      return true;
    });
    assert.ok(lines.some((l) => /^up finished in/.test(l)));
    // without ci it resolves, and unavailable() names what is missing
    const result = await up({ only: 'kafka', env, log: () => {} });
    assert.deepEqual(unavailable(result, 'kafka'), [{ name: 'kafka', reason: 'java not found on PATH' }]);
    assert.deepEqual(unavailable(result).map((m) => m.name), ['redis', 'kafka', 'redis-cluster', 'redis-sentinel']);
    assert.deepEqual(readJsonFile(join(env.MOTIFS_STATE_DIR, 'services.json')), result);
  });

  test('an unknown service name is rejected', async () => {
    await assert.rejects(status({ only: 'mysql', env: {} }), /unknown service "mysql"/);
  });
});
