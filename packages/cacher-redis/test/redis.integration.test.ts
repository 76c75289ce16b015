// Redis-only facts: what is stored, how it expires, foreign data under our namespace.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { MotifsErrorConflict, MotifsErrorSerialization, MotifsErrorValidation } from '@motifs/core';
import { readWriteStamp } from '@motifs/core/kit';
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

  it('stores JSON (its write time as trailing whitespace) under motifs:cache:<namespace>:<key> with the expiry set in the same command', async () => {
    const before = Date.now();
    await cacher.setItem('k', { a: 1 }, 60_000);
    const text = (await raw.get(`motifs:cache:${ns}:k`))!;
    // A raw reader still gets the value with JSON.parse.
    expect(JSON.parse(text)).toEqual({ a: 1 });
    expect(text).toMatch(/^\{"a":1\}\s{24}$/);
    const writtenAt = readWriteStamp(text)!;
    expect(writtenAt).toBeGreaterThanOrEqual(before);
    expect(writtenAt).toBeLessThanOrEqual(Date.now());
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

  it('ifAbsent on a key holding another Redis type gives MotifsErrorConflict and leaves it alone', async () => {
    await raw.hset(`motifs:cache:${ns}:hash2`, 'f', 'v');
    await expect(cacher.setItem('hash2', 1, 60_000, { ifAbsent: true })).rejects.toBeInstanceOf(MotifsErrorConflict);
    expect(await raw.hget(`motifs:cache:${ns}:hash2`, 'f')).toBe('v');
  });

  it('values written by older versions (bare JSON, or the stale header without a write time) read as before, with ageMs undefined', async () => {
    await raw.set(`motifs:cache:${ns}:old`, '{"v":1}', 'PX', 60_000);
    expect(await cacher.getItem('old')).toEqual({ v: 1 });
    expect(await cacher.getEntry('old')).toEqual({ hit: true, value: { v: 1 }, ageMs: undefined, stale: false });
    expect(await cacher.setItem('old', 2, 60_000, { ifAbsent: true })).toBe(false);
    await raw.set(`motifs:cache:${ns}:old-fresh`, `\u0000${Date.now() + 60_000}\u0000"f"`, 'PX', 120_000);
    expect(await cacher.getEntry('old-fresh')).toEqual({ hit: true, value: 'f', ageMs: undefined, stale: false });
    expect(await cacher.setItem('old-fresh', 2, 60_000, { ifAbsent: true })).toBe(false);
    await raw.set(`motifs:cache:${ns}:old-stale`, `\u0000${Date.now() - 1}\u0000"s"`, 'PX', 60_000);
    expect(await cacher.getEntry('old-stale')).toEqual({ hit: true, value: 's', ageMs: undefined, stale: true });
    expect(await cacher.setItem('old-stale', 'new', 60_000, { ifAbsent: true })).toBe(true);
    expect(await cacher.getItem('old-stale')).toBe('new');
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
