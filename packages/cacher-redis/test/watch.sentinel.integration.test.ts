// `watch` through Sentinel, on a private master + replica + sentinel with notifications on (the
// shared Sentinel setup is never reconfigured): changes are heard, and after a failover (the old
// master still alive, now a replica) the watch follows the new master, `expire` included.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeWithService, eventually, uniqueNamespace } from '@motifs/test-suite';
import { createRedisCacher, type RedisCacher } from '../src/index.js';
import { freePort, startRedis, stopRedis } from '../../../tools/jest/own-redis.js';

const run = promisify(execFile);
const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();

describeWithService({ describe, it }, 'redis', 'redis cacher watch through a private Sentinel', () => {
  const children: ChildProcess[] = [];
  const opened: RedisCacher[] = [];
  let dir = '';
  let sentinelPort = 0;
  const ports: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'motifs-own-sentinel-'));
    const flags = ['--notify-keyspace-events', 'KA'];
    const [master, replica] = [await freePort(), await freePort()];
    ports.push(master, replica);
    children.push(await startRedis(master, flags));
    children.push(await startRedis(replica, [...flags, '--replicaof', '127.0.0.1', String(master)]));
    sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, [
      `port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`,
      `sentinel monitor own 127.0.0.1 ${master} 1`,
      'sentinel down-after-milliseconds own 1000',
      'sentinel failover-timeout own 5000',
      '',
    ].join('\n'));
    const sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    children.push(sentinel);
    await eventually(async () => (await cli(sentinelPort, 'SENTINEL', 'REPLICAS', 'own').catch(() => '')).includes(String(replica)), {
      what: 'the sentinel knows the replica',
      timeoutMs: 20_000,
      intervalMs: 200,
    });
  }, 40_000);
  afterEach(async () => {
    for (const cacher of opened.splice(0)) await cacher.close();
  });
  afterAll(async () => {
    for (const child of children) await stopRedis(child);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const open = async (): Promise<RedisCacher> => {
    const cacher = await createRedisCacher({
      namespace: uniqueNamespace('watch'),
      redis: { sentinel: { sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: 'own' }, commandTimeoutMs: 1000 },
    });
    opened.push(cacher);
    return cacher;
  };

  it('hears set, delete and expire, then follows the master through a failover', async () => {
    const cacher = await open();
    const seen: string[] = [];
    await cacher.watch('*', ({ type, key }) => void seen.push(`${type}:${key}`));
    await cacher.setItem('a', 1, 60_000);
    await cacher.delItem('a');
    await cacher.setItem('e1', 1, 20);
    await eventually(() => seen.includes('expire:e1'), { what: 'e1 expires' });
    expect(seen).toEqual(['set:a', 'delete:a', 'set:e1', 'expire:e1']);

    const before = await cli(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'own');
    await cli(sentinelPort, 'SENTINEL', 'FAILOVER', 'own');
    await eventually(async () => (await cli(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'own')) !== before, {
      what: 'the sentinel switched the master',
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    // The old master is alive (now a replica): a subscription left on it would hear replicated
    // `del`s instead of `expired`. The write after the switch must be heard from the new master.
    seen.length = 0;
    let n = 0;
    await eventually(async () => {
      const key = `b${++n}`;
      return (await cacher.setItem(key, 1, 60_000).then(() => true, () => false)) && (await cacher.setItem(`e-${key}`, 1, 20).then(() => true, () => false));
    }, { what: 'writes succeed on the new master', timeoutMs: 20_000, intervalMs: 200 });
    await eventually(() => seen.includes(`expire:e-b${n}`), { what: 'an expiry on the new master is heard', timeoutMs: 20_000, intervalMs: 100 });
    expect(seen.filter((s) => s.startsWith('delete:'))).toEqual([]);
  }, 60_000);
});
