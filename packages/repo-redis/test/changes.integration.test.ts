// A change feed whose keys were overwritten by someone else: the scripts check them before the
// first write, so the write is refused whole (no record without its message).
import { afterAll, describe, expect, it } from '@jest/globals';
import type { IBaseDto } from '@motifs/core';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { CHANGE_HELPERS } from '../src/change-script.js';
import { createRedisRepo, type RedisRepo } from '../src/index.js';
import { deleteRepoKeys } from './raw-keys.js';

type Row = IBaseDto & { n: number };

describeWithService({ describe, it }, 'redis', 'redis repo change feed keys of another type', () => {
  const namespace = uniqueNamespace('motifs-feed');
  const raw = new Redis(redisUrl());
  const repos: RedisRepo<Row>[] = [];
  afterAll(async () => {
    for (const repo of repos) await repo.close();
    await deleteRepoKeys([raw], [namespace]);
    await raw.quit();
  });

  it.each([['the stream', 'changesKey'], ['the version hash', 'ver']] as const)('refuses every write with MotifsErrorConflict, nothing written, when %s holds another type', async (_label, which) => {
    const name = `rows-${which}`;
    const repo = await createRedisRepo<Row>({ name, namespace, changes: { channelId: `${name}.changes` }, redis: { url: redisUrl() } });
    repos.push(repo);
    await repo.create({ id: 'kept', n: 1 });
    const key = which === 'ver' ? repo.layout.ver : repo.changesKey!;
    const saved = await raw.dumpBuffer(key);
    await raw.del(key);
    await raw.set(key, 'not mine');
    await expect(repo.create({ id: 'new', n: 1 })).rejects.toMatchObject({ code: 'MOTIFS_CONFLICT', details: { id: 'new' } });
    await expect(repo.update('kept', { n: 2 })).rejects.toMatchObject({ code: 'MOTIFS_CONFLICT' });
    await expect(repo.delete_('kept')).rejects.toMatchObject({ code: 'MOTIFS_CONFLICT' });
    expect(await raw.exists(repo.layout.rec('new'))).toBe(0);
    expect(await raw.sismember(repo.layout.ids, 'new')).toBe(0);
    // create counts the version before its XADD fails and takes it back: no trace of 'new'.
    if (which === 'changesKey') expect(await raw.hgetall(repo.layout.ver)).toEqual({ kept: '1' });
    expect(await repo.retrieve('kept')).toMatchObject({ n: 1 });
    await raw.del(key);
    await raw.restore(key, 0, saved!);
    expect((await repo.update('kept', { n: 3 })).n).toBe(3);
    expect(await raw.xlen(repo.changesKey!)).toBe(2);
  });

  it('a refused create into an empty repo leaves no trace: no record, no version, no index list in meta', async () => {
    const name = 'rows-empty';
    const repo = await createRedisRepo<Row>({ name, namespace, indexes: ['n'], changes: { channelId: `${name}.changes` }, redis: { url: redisUrl() } });
    repos.push(repo);
    await raw.set(repo.changesKey!, 'not mine');
    await expect(repo.create({ id: 'first', n: 1 })).rejects.toMatchObject({ code: 'MOTIFS_CONFLICT', details: { id: 'first' } });
    expect(await raw.exists(repo.layout.rec('first'), repo.layout.ids, repo.layout.meta, repo.layout.ver)).toBe(0);
    await raw.del(repo.changesKey!);
    await repo.create({ id: 'first', n: 1 });
    expect(await raw.hget(repo.layout.meta, 'indexes')).toBe('["n"]');
    expect(await raw.hgetall(repo.layout.ver)).toEqual({ first: '1' });
  });

  it('a re-created id continues its version after the delete, and a create message carries the stored texts', async () => {
    const name = 'rows-again';
    const repo = await createRedisRepo<Row>({ name, namespace, changes: { channelId: `${name}.changes` }, redis: { url: redisUrl() } });
    repos.push(repo);
    await repo.create({ id: 'a/b', n: 1.5 });
    await repo.delete_('a/b');
    await repo.create({ id: 'a/b', n: 1e21 });
    const entries = await raw.xrange(repo.changesKey!, '-', '+');
    const messages = entries.map(([, fields]) => JSON.parse(fields[1]!));
    expect(messages.map((m) => [m.op, m.version])).toEqual([['create', 1], ['delete', 2], ['create', 3]]);
    expect(messages[2]).toMatchObject({ id: 'a/b', dto: { id: 'a/b', n: 1e21 } });
    expect(typeof messages[2].at).toBe('number');
    expect(entries.map(([, fields]) => fields[3])).toEqual(['a/b', 'a/b', 'a/b']);
  });

  it("stamps a message with TIME's seconds and unpadded microseconds as epoch milliseconds, and the version as an integer", async () => {
    // `stamped` with TIME answered by the test: a local `redis` ahead of the helpers shadows the real one.
    const stamp = (seconds: string, micros: string, version: string): Promise<unknown> =>
      raw.eval(`local redis = { call = function() return { ARGV[1], ARGV[2] } end }\n${CHANGE_HELPERS}\nreturn stamped('{"version":', tonumber(ARGV[3]))`, 0, seconds, micros, version);
    expect(await stamp('1700000000', '0', '1')).toBe('{"version":1,"at":1700000000000}');
    expect(await stamp('1700000000', '999', '1')).toBe('{"version":1,"at":1700000000000}');
    expect(await stamp('1700000000', '5123', '2')).toBe('{"version":2,"at":1700000000005}');
    expect(await stamp('1700000000', '99999', '10')).toBe('{"version":10,"at":1700000000099}');
    expect(await stamp('1700000000', '100000', '123456789')).toBe('{"version":123456789,"at":1700000000100}');
    expect(await stamp('1700000000', '999999', '100000000000001')).toBe('{"version":100000000000001,"at":1700000000999}');
  });

  it("stamps each change with the server's clock: `at` is its stream entry's millisecond, and versions are integers", async () => {
    const name = 'rows-at';
    const repo = await createRedisRepo<Row>({ name, namespace, changes: { channelId: `${name}.changes` }, redis: { url: redisUrl() } });
    repos.push(repo);
    const [seconds] = await raw.time();
    for (let i = 0; i < 20; i++) await repo.create({ id: `r${i}`, n: i });
    await repo.update('r0', { n: 100 });
    await repo.delete_('r1');
    const entries = await raw.xrange(repo.changesKey!, '-', '+');
    expect(entries).toHaveLength(22);
    for (const [entryId, fields] of entries) {
      const text = fields[1]!;
      const change = JSON.parse(text);
      // TIME and XADD run in the same script; the entry's millisecond can only be the same or the next.
      const entryMs = Number(entryId.split('-')[0]);
      expect(entryMs - change.at).toBeGreaterThanOrEqual(0);
      expect(entryMs - change.at).toBeLessThanOrEqual(1);
      expect(change.at).toBeGreaterThanOrEqual(Number(seconds) * 1000);
      expect(text).toMatch(/,"version":[1-9]\d*,"at":\d{13}\}$/);
    }
    expect(JSON.parse(entries[20]![1][1]!)).toMatchObject({ op: 'update', id: 'r0', version: 2 });
    expect(JSON.parse(entries[21]![1][1]!)).toMatchObject({ op: 'delete', id: 'r1', version: 2 });
  });
});
