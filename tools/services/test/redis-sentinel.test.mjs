// The Sentinel setup of tools/services (1 master, 1 replica, 3 sentinels) on ports of its own, under
// a temp MOTIFS_STATE_DIR: start, reuse, kill -9 the master, promotion, rejoin, down. The shared Redis
// on 6379 is only PINGed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { redisCall, redisInfo } from '../redis-cluster.mjs';
import {
  redisSentinelDown,
  redisSentinelKillNode,
  redisSentinelLayout,
  redisSentinelMaster,
  redisSentinelStartNode,
  redisSentinelStatus,
  redisSentinelUp,
  redisSentinelWaitFailover,
  redisSentinelWaitHealthy,
  sentinelConf,
} from '../redis-sentinel.mjs';
import { pingRedis } from '../resp.mjs';
import { SHARED_REDIS_URL, bareBin, freePort, killRedisOnPort, runCli, stateDirHonoured, statusLine, tempDir } from '../testkit.mjs';
import { pidRunning, portOpen, which } from '../util.mjs';

const haveRedis = Boolean(which('redis-server'));
const list = (ports) => ports.map((p) => `127.0.0.1:${p}`).join(',');
const pairs = (l) => Object.fromEntries(l.flatMap((v, i) => (i % 2 ? [] : [[v, l[i + 1]]])));

async function sentinelEnv(dir) {
  const servers = [await freePort(), await freePort()];
  const sentinels = [await freePort(), await freePort(), await freePort()];
  return { servers, sentinels, env: { PATH: process.env.PATH, MOTIFS_STATE_DIR: dir, MOTIFS_REDIS_SENTINEL_SERVERS: list(servers), MOTIFS_REDIS_SENTINELS: list(sentinels) } };
}

describe('redis-sentinel: a setup of our own', { skip: haveRedis ? false : 'redis-server not on PATH' }, () => {
  let env;
  let ports = [];
  let servers;
  let sentinels;
  const lines = [];
  const log = (l) => lines.push(l);

  before(async () => {
    assert.ok(await stateDirHonoured(), 'MOTIFS_STATE_DIR must be honoured before calling up() in-process');
    ({ env, servers, sentinels } = await sentinelEnv(mkdtempSync(join(tmpdir(), 'motifs-redis-sentinel-test-'))));
    ports = [...servers, ...sentinels];
  });
  after(async () => {
    if (env) await redisSentinelDown({ env }).catch(() => {});
    for (const p of ports) killRedisOnPort(p);
    if (env) rmSync(env.MOTIFS_STATE_DIR, { recursive: true, force: true });
  });

  test('up: all three sentinels know the master, each other and the linked replica', async (t) => {
    const t0 = Date.now();
    const r = await redisSentinelUp({ env, log });
    t.diagnostic(`sentinel start: ${Date.now() - t0} ms`);
    assert.deepEqual(r, { available: true, sentinels: env.MOTIFS_REDIS_SENTINELS, name: 'motifs', servers: env.MOTIFS_REDIS_SENTINEL_SERVERS, startedByUs: true, reason: null });
    for (const port of sentinels) {
      const s = { host: '127.0.0.1', port };
      assert.deepEqual(await redisCall(s, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'motifs']), ['127.0.0.1', String(servers[0])]);
      const m = pairs(await redisCall(s, ['SENTINEL', 'MASTER', 'motifs']));
      assert.equal(m.quorum, '2');
      assert.equal(m['num-other-sentinels'], '2');
      assert.equal(m['down-after-milliseconds'], '2000');
      const replicas = (await redisCall(s, ['SENTINEL', 'REPLICAS', 'motifs'])).map(pairs);
      assert.deepEqual(replicas.map((x) => `${x.ip}:${x.port}`), [`127.0.0.1:${servers[1]}`], 'the replica is announced as 127.0.0.1');
    }
    assert.equal((await redisInfo({ host: '127.0.0.1', port: servers[1] }, 'replication')).master_link_status, 'up');
    const m = await redisSentinelMaster({ env });
    assert.equal(m.port, servers[0]);
    assert.ok(pidRunning(m.pid));
    assert.equal((await redisSentinelStatus({ env })).startedByUs, true);
  });

  test('a second up reuses it', async () => {
    const before = await redisSentinelMaster({ env });
    const t0 = Date.now();
    const r = await redisSentinelUp({ env, log });
    assert.equal(r.available, true);
    assert.ok(Date.now() - t0 < 2000, `reuse took ${Date.now() - t0} ms`);
    assert.match(lines.at(-1), /already healthy \(started by motifs\), reused/);
    assert.equal((await redisSentinelMaster({ env })).pid, before.pid);
  });

  test('kill -9 the master: the sentinels promote the replica; the old master rejoins as a replica', async (t) => {
    const master = { host: '127.0.0.1', port: servers[0] };
    const key = `motifs:sentinel-test:${Math.random().toString(36).slice(2)}`;
    assert.equal(await redisCall(master, ['SET', key, 'v1']), 'OK');
    assert.equal(await redisCall(master, ['WAIT', '1', '5000']), 1);

    await redisSentinelKillNode({ env, port: servers[0] });
    const failover = await redisSentinelWaitFailover({ env, port: servers[0] });
    t.diagnostic(`sentinel failover (kill -9 -> all sentinels report the promoted replica): ${failover.ms} ms`);
    assert.deepEqual(failover.master, { host: '127.0.0.1', port: servers[1] });
    assert.ok(failover.ms < 15_000, `failover took ${failover.ms} ms`);
    for (const port of sentinels) {
      assert.deepEqual(await redisCall({ host: '127.0.0.1', port }, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'motifs']), ['127.0.0.1', String(servers[1])]);
    }
    assert.equal(await redisCall(failover.master, ['GET', key]), 'v1');

    const t0 = Date.now();
    assert.equal((await redisSentinelStartNode({ env, port: servers[0] })).started, true);
    await redisSentinelWaitHealthy({ env });
    t.diagnostic(`sentinel rejoin (start -> healthy): ${Date.now() - t0} ms`);
    const info = await redisInfo(master, 'replication');
    assert.equal(info.role, 'slave');
    assert.equal(Number(info.master_port), servers[1]);
    assert.equal(info.master_link_status, 'up');
    assert.equal(await redisCall(master, ['GET', key]), 'v1', 'resynced from the new master');
    await redisCall(failover.master, ['DEL', key]);
  });

  test('helpers refuse unknown ports', async () => {
    await assert.rejects(redisSentinelKillNode({ env, port: 1 }), /has no node on port 1/);
    await assert.rejects(redisSentinelStartNode({ env, port: 1 }), /has no node on port 1/);
  });

  test('a killed sentinel comes back; `up` heals a setup with a node of ours missing', async () => {
    await redisSentinelKillNode({ env, port: sentinels[2] });
    assert.equal(await portOpen('127.0.0.1', sentinels[2]), false);
    const r = await redisSentinelUp({ env, log });
    assert.equal(r.available, true);
    assert.match(lines.at(-1), /restarted the missing nodes, ready/, lines.join('\n'));
    assert.equal((await redisSentinelMaster({ env })).port, servers[1], 'no new failover: the master is still the promoted replica');
  });

  test('cli `up --only redis-sentinel` reports it; `down --only redis-sentinel` stops only ours', async () => {
    const sharedBefore = await pingRedis(SHARED_REDIS_URL);
    const cliEnv = { ...env, MOTIFS_REDIS_URL: 'redis://127.0.0.1:1', MOTIFS_KAFKA_BROKERS: '127.0.0.1:1' };
    const up = await runCli(['up', '--only', 'redis-sentinel'], cliEnv);
    assert.equal(up.code, 0, up.stderr);
    assert.match(statusLine(up.stdout, 'redis-sentinel'), new RegExp(`^  redis-sentinel up +${env.MOTIFS_REDIS_SENTINELS} \\(motifs\\) +started by motifs$`));
    const down = await runCli(['down', '--only', 'redis-sentinel'], cliEnv);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /redis-sentinel: stopped 5 process\(es\)/);
    for (const p of ports) assert.equal(await portOpen('127.0.0.1', p), false, `port ${p} closed`);
    assert.equal(await pingRedis(SHARED_REDIS_URL), sharedBefore, 'the shared Redis is as it was');
    await redisSentinelDown({ env, log });
    assert.match(lines.at(-1), /nothing started by motifs/);
  });
});

describe('redis-sentinel: configuration and refusals', () => {
  test('sentinel.conf: master name motifs, quorum 2, 2 s down-after, announces 127.0.0.1', (t) => {
    const layout = redisSentinelLayout('/repo', { MOTIFS_STATE_DIR: tempDir(t) });
    assert.equal(layout.sentinelList, '127.0.0.1:27111,127.0.0.1:27112,127.0.0.1:27113');
    assert.equal(layout.serverList, '127.0.0.1:7111,127.0.0.1:7112');
    const conf = sentinelConf(layout, layout.sentinels[0], layout.servers[0]);
    assert.match(conf, /^sentinel monitor motifs 127\.0\.0\.1 7111 2$/m);
    assert.match(conf, /^sentinel down-after-milliseconds motifs 2000$/m);
    assert.match(conf, /^sentinel announce-ip 127\.0\.0\.1$/m);
  });

  test('a layout with the wrong number of entries or a repeated port is reported, not thrown', async (t) => {
    const dir = tempDir(t);
    for (const [extra, message] of [
      [{ MOTIFS_REDIS_SENTINELS: '127.0.0.1:27111' }, /needs 3 host:port entries/],
      [{ MOTIFS_REDIS_SENTINEL_SERVERS: '127.0.0.1:7111' }, /needs 2 host:port entries/],
      [{ MOTIFS_REDIS_SENTINEL_SERVERS: '127.0.0.1:27111,127.0.0.1:7112' }, /list a port twice/],
    ]) {
      const r = await redisSentinelUp({ env: { MOTIFS_STATE_DIR: dir, ...extra } });
      assert.equal(r.available, false);
      assert.match(r.reason, message);
    }
  });

  test('without redis-server on PATH: unavailable with the reason', async (t) => {
    const { env } = await sentinelEnv(tempDir(t));
    const r = await redisSentinelUp({ env: { ...env, PATH: bareBin(t) } });
    assert.equal(r.available, false);
    assert.match(r.reason, /redis-server not installed/);
  });
});
