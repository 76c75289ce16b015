// autoPipelining: the calls made in one tick leave in one socket write (the socket is corked until
// the tick ends), in call order, each with its own reply and error; off, every command is written at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Cluster, Redis } from 'ioredis';
import { MotifsErrorConflict } from '@motifs/core';
import { UNCORKED_PER_TICK } from '@motifs/core/kit';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { createRedisCacher, type RedisCacher } from '../src/index.js';
import { clusterNodes, describeWithTopology } from './topologies.js';

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

/**
 * Deletes the cachers' entries and closes every one of them, even when a delete fails (the first
 * failure is rethrown after): a cacher left open (a cluster client reconnecting to nodes that are
 * down) keeps jest from exiting.
 */
async function dropAndClose(...cachers: RedisCacher[]): Promise<void> {
  const results = await Promise.allSettled(cachers.map(async (cacher) => {
    try {
      await cacher.delItemsLike('');
    } finally {
      await cacher.close();
    }
  }));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

describeWithService({ describe, it }, 'redis', 'redis cacher autoPipelining', () => {
  const ns = uniqueNamespace('pipelined');
  let cacher: RedisCacher;
  let direct: RedisCacher;
  const stream = (c: RedisCacher) => (c.client as Redis).stream;

  beforeAll(async () => {
    cacher = await createRedisCacher({ namespace: ns, redis: { url: redisUrl() } });
    direct = await createRedisCacher({ namespace: uniqueNamespace('direct'), redis: { url: redisUrl(), autoPipelining: false } });
    await cacher.setItem('warm', 1, 60_000);
    await direct.setItem('warm', 1, 60_000);
  });
  afterAll(async () => {
    await dropAndClose(cacher, direct);
  });

  it('sends the first commands of a tick at once and holds the rest of the tick for one write', async () => {
    const writes: number[] = [];
    const socket = stream(cacher);
    const spy = (chunks: unknown[]): void => void writes.push(chunks.length);
    const writev = (socket as unknown as { _writev: (chunks: unknown[], cb: () => void) => void })._writev;
    (socket as unknown as { _writev: typeof writev })._writev = function (chunks, cb) {
      spy(chunks);
      return writev.call(this, chunks, cb);
    };
    try {
      const calls = Array.from({ length: 20 }, () => cacher.getItem('warm'));
      expect(socket.writableCorked).toBe(1);
      await nextTick();
      expect(socket.writableCorked).toBe(0);
      expect(await Promise.all(calls)).toEqual(Array(20).fill(1));
      // The first UNCORKED_PER_TICK went out one by one (plain writes, not a writev); the rest as one writev.
      expect(writes).toEqual([20 - UNCORKED_PER_TICK]);
    } finally {
      delete (socket as unknown as { _writev?: unknown })._writev;
    }
  });

  it('keeps call order: a read issued after a write in the same tick sees it', async () => {
    const results = await Promise.all([
      cacher.setItem('ordered', 'a', 60_000),
      cacher.getItem('ordered'),
      cacher.setItem('ordered', 'b', 60_000),
      cacher.getItem('ordered'),
      cacher.delItem('ordered'),
      cacher.getItem('ordered').catch((err: unknown) => (err as Error).name),
    ]);
    expect(results).toEqual([true, 'a', true, 'b', true, 'MotifsErrorNotFound']);
  });

  it('fails only the call whose command failed', async () => {
    const key = `motifs:cache:${ns}:wrong-type`;
    await (cacher.client as Redis).hset(key, 'f', 'v');
    try {
      const [bad, good] = await Promise.allSettled([cacher.getItem('wrong-type'), cacher.getItem('warm')]);
      expect(bad.status === 'rejected' && bad.reason).toBeInstanceOf(MotifsErrorConflict);
      expect(good).toEqual({ status: 'fulfilled', value: 1 });
    } finally {
      await (cacher.client as Redis).del(key);
    }
  });

  it('off, writes each command at once', async () => {
    const calls = [direct.getItem('warm'), direct.getItem('warm')];
    expect(stream(direct).writableCorked).toBe(0);
    expect(await Promise.all(calls)).toEqual([1, 1]);
  });
});

describeWithTopology({ describe, it }, 'redis-cluster', 'redis cacher autoPipelining on a Redis Cluster', () => {
  it('is ioredis enableAutoPipelining (one pipeline per master), unless turned off', async () => {
    const on = await createRedisCacher({ namespace: uniqueNamespace('cluster-pipelined'), redis: { cluster: { nodes: clusterNodes() } } });
    const off = await createRedisCacher({ namespace: uniqueNamespace('cluster-direct'), redis: { cluster: { nodes: clusterNodes() }, autoPipelining: false } });
    try {
      expect((on.client as Cluster).options.enableAutoPipelining).toBe(true);
      expect((off.client as Cluster).options.enableAutoPipelining).toBe(false);
      const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
      await Promise.all(keys.map((key, i) => on.setItem(key, i, 60_000)));
      expect(await Promise.all(keys.map((key) => on.getItem(key)))).toEqual(keys.map((_, i) => i));
    } finally {
      await dropAndClose(on, off);
    }
  });
});
