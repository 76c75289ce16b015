// `watch` on private redis-servers (the shared one is never reconfigured): notifications off or
// partial -> a typed error; CONFIG refused -> the watch opens anyway; changes made by another
// process are heard; a restarted server is subscribed again.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { MotifsErrorUnavailable, type CacherChange } from '@motifs/core';
import { describeWithService, eventually, uniqueNamespace } from '@motifs/test-suite';
import { createRedisCacher, type RedisCacher } from '../src/index.js';
import { freePort, startRedis, stopRedis } from '../../../tools/jest/own-redis.js';

const servers: ChildProcess[] = [];
const opened: RedisCacher[] = [];

async function server(flags: string[]): Promise<{ port: number; url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = await startRedis(port, flags);
  servers.push(child);
  return { port, url: `redis://127.0.0.1:${port}`, child };
}

async function cacherOn(url: string, namespace = uniqueNamespace('watch')): Promise<RedisCacher> {
  const cacher = await createRedisCacher({ namespace, redis: { url, commandTimeoutMs: 1000 } });
  opened.push(cacher);
  return cacher;
}

afterEach(async () => {
  for (const cacher of opened.splice(0)) await cacher.close();
});
afterAll(async () => {
  for (const child of servers) await stopRedis(child);
});

describeWithService({ describe, it }, 'redis', 'redis cacher watch', () => {
  it('notifications off: rejects MotifsErrorUnavailable, not retryable, naming the setting; the cacher still works', async () => {
    const { url } = await server([]);
    const cacher = await cacherOn(url);
    const error = await cacher.watch('*', () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotifsErrorUnavailable);
    expect(error).toMatchObject({
      retryable: false,
      details: { reason: 'keyspace-notifications-off', setting: 'notify-keyspace-events', current: '', required: 'Kg$x' },
    });
    expect(await cacher.setItem('k', 1, 60_000)).toBe(true);
  });

  it('notifications that miss a needed class (keyevent only, or no expired) are refused too', async () => {
    for (const flags of ['Ex', 'Kg$']) {
      const { url } = await server(['--notify-keyspace-events', flags]);
      const cacher = await cacherOn(url);
      await expect(cacher.watch('*', () => undefined)).rejects.toMatchObject({ details: { reason: 'keyspace-notifications-off' } });
    }
  });

  it('a server that refuses CONFIG (renamed, as managed services do) cannot be asked: the watch opens and works', async () => {
    const { url } = await server(['--notify-keyspace-events', 'Kg$x', '--rename-command', 'CONFIG', '']);
    const cacher = await cacherOn(url);
    const seen: string[] = [];
    await cacher.watch('*', ({ type, key }) => void seen.push(`${type}:${key}`));
    await cacher.setItem('k', 1, 60_000);
    await eventually(() => seen.length === 1, { what: 'the set is heard' });
    expect(seen).toEqual(['set:k']);
  });

  it('hears changes made by another process (redis-cli), decoded to the caller\'s keys', async () => {
    const { port, url } = await server(['--notify-keyspace-events', 'KA']);
    const namespace = uniqueNamespace('watch');
    const cacher = await cacherOn(url, namespace);
    const seen: CacherChange[] = [];
    await cacher.watch({ prefix: 'orders/' }, (change) => void seen.push(change));
    const cli = (...args: string[]): string => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
    cli('SET', `motifs:cache:${namespace}:orders/1`, '{"n":1}');
    cli('SET', `motifs:cache:${namespace}:other`, '1');
    cli('SET', `motifs:cache:other-${namespace}:orders/1`, '1');
    cli('DEL', `motifs:cache:${namespace}:orders/1`);
    await eventually(() => seen.length >= 2, { what: 'two changes' });
    expect(seen).toEqual([{ type: 'set', key: 'orders/1' }, { type: 'delete', key: 'orders/1' }]);
    expect(await cacher.getItemsLike('')).toEqual({ other: 1 });
  });

  it('after the server restarts, the watch is subscribed again and hears new changes', async () => {
    const port = await freePort();
    const flags = ['--notify-keyspace-events', 'KA'];
    let child = await startRedis(port, flags);
    const cacher = await cacherOn(`redis://127.0.0.1:${port}`);
    const seen: string[] = [];
    await cacher.watch('*', ({ type, key }) => void seen.push(`${type}:${key}`));
    await stopRedis(child);
    child = await startRedis(port, flags);
    servers.push(child);
    // ioredis reconnects both connections and subscribes again; writes made before that are not heard.
    await eventually(async () => {
      await cacher.setItem('after', 1, 60_000).catch(() => undefined);
      return seen.includes('set:after');
    }, { what: 'a write after the restart is heard', timeoutMs: 20_000, intervalMs: 100 });
  }, 40_000);
});
