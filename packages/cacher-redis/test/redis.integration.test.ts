// Redis-only facts: what is stored, how it expires, foreign data under our namespace.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { MotifsErrorConflict, MotifsErrorSerialization, MotifsErrorValidation } from '@motifs/core';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { createCacher, createRedisCacher, type RedisCacher } from '../src/index.js';

describeWithService({ describe, it }, 'redis', 'redis cacher storage', () => {
  const ns = uniqueNamespace('cacher-redis');
  let raw: Redis;
  let cacher: RedisCacher;

  beforeAll(async () => {
    raw = new Redis(redisUrl());
    cacher = await createRedisCacher({ namespace: ns, redis: { url: redisUrl() } });
  });
  afterAll(async () => {
    await cacher.delItemsLike('');
    await cacher.close();
    await raw.quit();
  });

  it('stores JSON under motifs:cache:<namespace>:<key> with the expiry set in the same command', async () => {
    await cacher.setItem('k', { a: 1 }, 60_000);
    expect(await raw.get(`motifs:cache:${ns}:k`)).toBe('{"a":1}');
    const ttl = await raw.pttl(`motifs:cache:${ns}:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await cacher.setItem('forever', 1, Infinity);
    expect(await raw.pttl(`motifs:cache:${ns}:forever`)).toBe(-1);
  });

  it('keeps a getOrSet value for expiry + staleMs', async () => {
    await cacher.getOrSet('swr', () => 'v', { expiryMs: 10_000, staleMs: 50_000 });
    const ttl = await raw.pttl(`motifs:cache:${ns}:swr`);
    expect(ttl).toBeGreaterThan(10_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('a key holding another Redis type gives MotifsErrorConflict', async () => {
    await raw.hset(`motifs:cache:${ns}:hash`, 'f', 'v');
    await expect(cacher.getItem('hash')).rejects.toBeInstanceOf(MotifsErrorConflict);
  });

  it('text that is not JSON gives MotifsErrorSerialization', async () => {
    await raw.set(`motifs:cache:${ns}:garbage`, '{not json');
    await expect(cacher.getItem('garbage')).rejects.toBeInstanceOf(MotifsErrorSerialization);
  });

  it.each([
    [{ url: 'http://x' }],
    [{ commandTimeoutMs: 0 }],
    [{ scanCount: -1 }],
    [{ client: {} }],
    [{ url: 'redis://x', client: new Redis({ lazyConnect: true }) }],
  ])('refuses options %#', async (redis) => {
    await expect(createCacher({ kind: 'redis', redis: redis as never })).rejects.toBeInstanceOf(MotifsErrorValidation);
  });
});
