import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { MotifsError, MotifsErrorConflict, MotifsErrorNotFound, MotifsErrorSerialization, MotifsErrorTimeout, MotifsErrorUnavailable, type IBaseDto } from '@motifs/core';
import { escapeGlob } from '@motifs/core/kit';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { createRedisRepo, type RedisRepo } from '../src/index.js';

interface Item extends IBaseDto {
  name: string;
  city?: string;
  age?: number;
  [extra: string]: unknown;
}

describeWithService({ describe, it }, 'redis', 'redis repo: storage, atomicity and failures', () => {
  const namespace = uniqueNamespace('motifs-repo-redis');
  let raw: Redis;
  const open: RedisRepo<Item>[] = [];

  const make = async (overrides: { name?: string; indexes?: string[]; client?: Redis; autoPipelining?: boolean } = {}): Promise<RedisRepo<Item>> => {
    const repo = await createRedisRepo<Item>({
      name: overrides.name ?? 'items',
      namespace,
      indexes: overrides.indexes ?? ['city', 'age'],
      redis: {
        ...(overrides.client ? { client: overrides.client } : { url: redisUrl(), commandTimeoutMs: 20_000 }),
        ...(overrides.autoPipelining !== undefined && { autoPipelining: overrides.autoPipelining }),
      },
    });
    open.push(repo);
    return repo;
  };

  /** Every key under this suite's namespace (SCAN, never KEYS). */
  const keysUnder = async (prefix: string): Promise<string[]> => {
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
      cursor = next;
      keys.forEach((k) => found.add(k));
    } while (cursor !== '0');
    return [...found].sort();
  };

  beforeAll(() => {
    raw = new Redis(redisUrl(), { lazyConnect: true });
  });

  afterEach(async () => {
    for (const repo of open.splice(0)) {
      try {
        for (const r of await repo.findMany({})) await repo.delete_(r.id);
      } catch {
        // already closed
      }
      await repo.close();
    }
    const left = await keysUnder(`{${namespace}`);
    if (left.length) await raw.del(...left);
  });

  afterAll(async () => {
    await raw.quit();
  });

  it('stores the documented layout and leaves no key behind once every record is deleted', async () => {
    const repo = await make();
    await repo.create({ id: 'a', name: 'Ada', city: 'London', age: 36 });
    const p = `{${namespace}:items}:`;
    expect(await raw.hgetall(`${p}rec:a`)).toMatchObject({ id: '"a"', name: '"Ada"', city: '"London"', age: '36' });
    expect(await raw.smembers(`${p}ids`)).toEqual(['a']);
    expect(await raw.smembers(`${p}idx:"city":"London"`)).toEqual(['a']);
    expect(await raw.smembers(`${p}idx:"age":36`)).toEqual(['a']);
    expect(await raw.zscore(`${p}zidx:"age"`, 'a')).toBe('36');
    await repo.update('a', { city: 'Paris', age: 'old' as never });
    expect(await raw.exists(`${p}idx:"city":"London"`)).toBe(0);
    expect(await raw.smembers(`${p}idx:"city":"Paris"`)).toEqual(['a']);
    expect(await raw.zscore(`${p}zidx:"age"`, 'a')).toBeNull();
    expect(await raw.smembers(`${p}idx:"age":"old"`)).toEqual(['a']);
    expect(await raw.hget(`${p}meta`, 'indexes')).toBe('["age","city"]');
    expect(await repo.delete_('a')).toBe(true);
    expect(await keysUnder(`{${namespace}:items}`)).toEqual([`${p}meta`]);
  });

  it('refuses to run with other indexes than the data was written with, until reindex()', async () => {
    const plain = await make({ indexes: [] });
    await plain.create({ id: 'a', name: 'Ada', city: 'Oslo', age: 30 });
    await plain.create({ id: 'b', name: 'Bo', city: 'Rome', age: 50 });
    await plain.create({ id: 'c', name: 'Cy', city: 'Oslo', age: [1] as never });
    const indexed = await make({ indexes: ['city', 'age'] });
    for (const call of [
      indexed.findMany({ city: 'Oslo' }),
      indexed.count({ city: 'Oslo' }),
      indexed.create({ id: 'd', name: 'Di', city: 'Oslo' }),
      indexed.update('a', { city: 'Rome' }),
      indexed.delete_('a'),
    ]) {
      await expect(call).rejects.toBeInstanceOf(MotifsErrorConflict);
    }
    expect(await plain.count({})).toBe(3);
    expect((await plain.retrieve('a')).city).toBe('Oslo');
    expect(await indexed.reindex()).toBe(3);
    expect((await indexed.findMany({ city: 'Oslo' })).map((r) => r.id)).toEqual(['a', 'c']);
    expect((await indexed.findMany({ age: { $gte: 40 } })).map((r) => r.id)).toEqual(['b']);
    expect(await indexed.count({ city: 'Rome' })).toBe(1);
    // The instance with the old list may not write any more: its writes would skip the new indexes.
    await expect(plain.update('a', { city: 'Rome' })).rejects.toBeInstanceOf(MotifsErrorConflict);
    await indexed.update('a', { city: 'Rome' });
    expect(await indexed.count({ city: 'Rome' })).toBe(2);
    await raw.hset(`{${namespace}:items}:meta`, 'indexes', '[]');
    await plain.delete_('a');
    await plain.delete_('b');
    await plain.delete_('c');
  });

  it('keeps data across instances: a second repo (new connection) reads and queries it', async () => {
    const first = await make();
    await first.create({ id: 'p1', name: 'Ada', city: 'Oslo', age: 30 });
    await first.create({ id: 'p2', name: 'Bo', city: 'Oslo', age: 50 });
    await first.close();
    const second = await make();
    expect((await second.retrieve('p1')).name).toBe('Ada');
    expect((await second.findMany({ city: 'Oslo', age: { $gt: 40 } })).map((r) => r.id)).toEqual(['p2']);
    expect(await second.count({ city: 'Oslo' })).toBe(2);
  });

  it('never lets an index point at a missing record or miss a present one under concurrent writes', async () => {
    const repo = await make();
    const ids = Array.from({ length: 60 }, (_, i) => `r${i}`);
    const ops: Promise<unknown>[] = [];
    for (let round = 0; round < 6; round++) {
      for (const [i, id] of ids.entries()) {
        const pick = (i + round) % 4;
        const swallow = (): undefined => undefined;
        if (pick === 0) ops.push(repo.create({ id, name: id, city: `c${round % 3}`, age: round }).catch(swallow));
        else if (pick === 1) ops.push(repo.delete_(id));
        else ops.push(repo.update(id, { city: `c${(i + round) % 3}`, age: i }).catch(swallow));
      }
    }
    await Promise.all(ops);
    const p = `{${namespace}:items}:`;
    const records = new Map((await repo.findMany({})).map((r) => [r.id, r]));
    expect(new Set(await raw.smembers(`${p}ids`))).toEqual(new Set(records.keys()));
    for (const key of await keysUnder(`${p}idx:"city":`)) {
      const value = JSON.parse(key.slice(`${p}idx:"city":`.length));
      for (const id of await raw.smembers(key)) expect(records.get(id)?.city).toBe(value);
    }
    for (const [id, record] of records) {
      expect(await raw.sismember(`${p}idx:"city":${JSON.stringify(record.city)}`, id)).toBe(1);
      expect(Number(await raw.zscore(`${p}zidx:"age"`, id))).toBe(record.age);
    }
    expect(await raw.zcard(`${p}zidx:"age"`)).toBe(records.size);
  }, 120_000);

  it('does not close an injected client, and closes its own', async () => {
    const client = new Redis(redisUrl());
    const injected = await make({ client });
    await injected.create({ id: 'x', name: 'x' });
    await injected.delete_('x');
    await injected.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();

    const own = await make();
    await own.count({});
    await own.close();
    await expect(own.count({})).rejects.toBeInstanceOf(MotifsErrorUnavailable);
  });

  it.each([true, false])('autoPipelining %s: a burst of calls made in one tick each get their own reply and error', async (autoPipelining) => {
    const repo = await make({ autoPipelining });
    await repo.create({ id: 'warm', name: 'w' }); // connected and ready
    const stream = (repo as unknown as { client: Redis }).client.stream;
    const cork = jest.spyOn(stream, 'cork');
    try {
      const created = await Promise.all(Array.from({ length: 50 }, (_, i) => repo.create({ id: `b${i}`, name: `n${i}`, age: i })));
      expect(created.map((r) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
      const read = await Promise.allSettled([...Array.from({ length: 50 }, (_, i) => repo.retrieve(`b${i}`)), repo.retrieve('none'), repo.create({ id: 'b7', name: 'dup' })]);
      expect(read.slice(0, 50).map((r) => (r.status === 'fulfilled' ? r.value.name : r.reason))).toEqual(Array.from({ length: 50 }, (_, i) => `n${i}`));
      expect(read[50]).toMatchObject({ status: 'rejected', reason: expect.any(MotifsErrorNotFound) });
      expect(read[51]).toMatchObject({ status: 'rejected', reason: expect.any(MotifsErrorConflict) });
      // One cork per tick: the 50 creates, then the 52 calls of the second burst (none when off).
      expect(cork).toHaveBeenCalledTimes(autoPipelining ? 2 : 0);
      expect(stream.writableCorked).toBe(0);
    } finally {
      cork.mockRestore();
    }
  });

  it('reports corrupt stored data as MotifsErrorSerialization and a foreign key type as a MotifsError', async () => {
    const repo = await make();
    const p = `{${namespace}:items}:`;
    await raw.hset(`${p}rec:bad`, 'id', '"bad"', 'name', '{not json');
    await expect(repo.retrieve('bad')).rejects.toBeInstanceOf(MotifsErrorSerialization);
    await raw.hset(`${p}rec:proto`, 'id', '"proto"', '__proto__', '{"polluted":true}');
    await expect(repo.retrieve('proto')).rejects.toBeInstanceOf(MotifsErrorSerialization);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await raw.set(`${p}rec:str`, 'plain string');
    const err = await repo.retrieve('str').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MotifsError);
    expect((err as MotifsError).message).toMatch(/WRONGTYPE/);
    await raw.del(`${p}rec:bad`, `${p}rec:str`, `${p}rec:proto`);
  });

  describe('when redis cannot be reached', () => {
    let silent: Server;
    let silentPort: number;
    let closedPort: number;
    const sockets = new Set<Socket>();

    beforeAll(async () => {
      // A port nobody listens on: bind one, note it, release it.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      closedPort = (probe.address() as { port: number }).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      // A server that accepts connections and never answers.
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentPort = (silent.address() as { port: number }).port;
    });

    afterAll(async () => {
      const closed = new Promise<void>((resolve) => silent.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    });

    it('fails with MotifsErrorUnavailable on a closed port, within the configured timeout', async () => {
      const repo = await createRedisRepo<Item>({ name: 'items', namespace, redis: { url: `redis://127.0.0.1:${closedPort}`, commandTimeoutMs: 1_000 } });
      const started = Date.now();
      for (const call of [repo.retrieve('a'), repo.create({ name: 'x' }), repo.findMany({}), repo.count({ city: 'x' })]) {
        await expect(call).rejects.toBeInstanceOf(MotifsErrorUnavailable);
      }
      expect(Date.now() - started).toBeLessThan(15_000);
      await repo.close();
    });

    it('fails with MotifsErrorTimeout when the server never answers', async () => {
      const repo = await createRedisRepo<Item>({ name: 'items', namespace, redis: { url: `redis://127.0.0.1:${silentPort}`, commandTimeoutMs: 300, connectTimeoutMs: 5_000 } });
      const err = await repo.retrieve('a').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MotifsErrorTimeout);
      expect((err as MotifsErrorTimeout).retryable).toBe(true);
      await repo.close();
    });

    it('times an injected client out too (it has no commandTimeout of its own)', async () => {
      const client = new Redis(`redis://127.0.0.1:${silentPort}`, { lazyConnect: true });
      client.on('error', () => undefined);
      const repo = await createRedisRepo<Item>({ name: 'items', namespace, redis: { client, commandTimeoutMs: 300 } });
      await expect(repo.findMany({ city: 'x' })).rejects.toBeInstanceOf(MotifsErrorTimeout);
      await expect(repo.update('a', { name: 'b' })).rejects.toBeInstanceOf(MotifsErrorTimeout);
      await repo.close();
      client.disconnect();
    });
  });
});
