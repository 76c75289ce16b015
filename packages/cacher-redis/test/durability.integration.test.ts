// redis.durability on cacher writes: each write is followed by WAIT; too few replica confirmations
// reject with an outcome-unknown MotifsErrorUnavailable (the write may exist), enough resolve.
import { afterAll, describe, expect, it } from '@jest/globals';
import { MotifsErrorUnavailable } from '@motifs/core';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { createRedisCacher, type RedisCacher } from '../src/index.js';
import { describeWithTopology, sentinelTopology } from './topologies.js';

const opened: RedisCacher[] = [];
afterAll(async () => {
  for (const cacher of opened) {
    await cacher.delItemsLike('').catch(() => undefined);
    await cacher.close();
  }
});

describeWithService({ describe, it }, 'redis', 'redis cacher durability on a node without replicas', () => {
  it('every write rejects outcome-unknown, retryable, with acked 0 of 1, and was applied on the master', async () => {
    const cacher = await createRedisCacher({ namespace: uniqueNamespace('cacher-durable'), redis: { url: redisUrl(), durability: { replicas: 1, timeoutMs: 50 } } });
    opened.push(cacher);
    const expectUnconfirmed = async (call: Promise<unknown>, what: string): Promise<void> => {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MotifsErrorUnavailable);
      expect(err).toMatchObject({ outcomeUnknown: true, retryable: true, details: { what, acked: 0, wanted: 1 } });
    };
    await expectUnconfirmed(cacher.setItem('a', 1, 60_000), 'setItem');
    await expectUnconfirmed(cacher.setItems({ b: 2, c: 3 }, 60_000), 'setItems');
    expect(await cacher.getItems(['a', 'b', 'c'])).toEqual({ a: 1, b: 2, c: 3 });
    await expectUnconfirmed(cacher.delItems(['b', 'c']), 'delItems');
    await expectUnconfirmed(cacher.delItem('a'), 'delItem');
    expect(await cacher.getKeys('*')).toEqual([]);
  });

  it('an ifAbsent write that is not confirmed is outcome-unknown and not retryable (a retry could answer false to its winner)', async () => {
    const cacher = await createRedisCacher({ namespace: uniqueNamespace('cacher-durable'), redis: { url: redisUrl(), durability: { replicas: 1, timeoutMs: 50 } } });
    opened.push(cacher);
    const err = await cacher.setItem('lock', 'me', 60_000, { ifAbsent: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MotifsErrorUnavailable);
    expect(err).toMatchObject({ outcomeUnknown: true, retryable: false, details: { what: 'setItem', acked: 0, wanted: 1 } });
    expect(await cacher.getItem('lock')).toBe('me');
  });
});

describeWithTopology({ describe, it }, 'redis-sentinel', 'redis cacher durability through Sentinel (1 replica)', () => {
  it('writes resolve once the replica confirmed them', async () => {
    const cacher = await createRedisCacher({ namespace: uniqueNamespace('cacher-durable'), redis: { sentinel: sentinelTopology(), durability: { replicas: 1, timeoutMs: 1000 } } });
    opened.push(cacher);
    expect(await cacher.setItem('a', 1, 60_000)).toBe(true);
    expect(await cacher.setItems({ b: 2, c: 3 }, 60_000)).toBe(true);
    expect(await cacher.delItems(['b', 'x'])).toBe(1);
    expect(await cacher.delItem('c')).toBe(true);
    expect(await cacher.getItems(['a', 'b', 'c'])).toEqual({ a: 1 });
    expect(await cacher.setItem('a', 2, 60_000, { ifAbsent: true })).toBe(false);
    expect(await cacher.setItem('d', 4, 60_000, { ifAbsent: true })).toBe(true);
    expect(await cacher.getItems(['a', 'd'])).toEqual({ a: 1, d: 4 });
  });
});
