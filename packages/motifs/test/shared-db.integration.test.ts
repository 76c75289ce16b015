// A Redis database shared by cachers, repos and other software: no motif may list, read, overwrite
// or delete a key it did not write (issue 14, defects 1 and 2).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRedisCacher, type RedisCacher } from '@motifs/cacher-redis';
import { createRedisRepo, type RedisRepo } from '@motifs/repo-redis';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import type { IBaseDto } from '../src/index.js';
import { freePort, startRedis, stopRedis } from '../../../tools/jest/own-redis.js';
import { purgeNamespace } from '../../../tools/jest/cleanup.js';

type Person = IBaseDto & { name: string };
const sorted = (keys: string[]): string[] => [...keys].sort();

/** Every key of the database with its type, for before/after comparisons (own server only). */
async function snapshot(raw: RedisCacher['client'], match = '*'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let cursor = '0';
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) out[key] = await raw.type(key);
  } while (cursor !== '0');
  return out;
}

// A cacher without a namespace deletes with an empty prefix: that must never run against the
// machine's shared Redis if the layout were wrong, so this part uses a redis-server of its own.
describeWithService({ describe, it }, 'redis', 'a cacher without a namespace on a database it shares', () => {
  let server: ChildProcess;
  let url: string;
  let bare: RedisCacher;
  let repo: RedisRepo<Person>;
  const foreign = `foreign-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    const port = await freePort();
    server = await startRedis(port);
    url = `redis://127.0.0.1:${port}`;
    bare = await createRedisCacher({ redis: { url } });
    repo = await createRedisRepo<Person>({ name: 'people', namespace: uniqueNamespace('shared'), indexes: ['name'], redis: { url } });
    await repo.create({ id: 'p1', name: 'Ada' });
    await repo.create({ id: 'p2', name: 'Grace' });
    // The raw client has no offline queue: a motif call first waits until it is connected.
    await bare.hasItem('connected');
    // Another application's keys: a list, a string that is not JSON, a hash.
    await bare.client.rpush(`${foreign}-list`, 'a', 'b');
    await bare.client.set(`${foreign}-text`, 'not json at all');
    await bare.client.set(`${foreign}-json`, '{"looks":"like ours"}');
    await bare.client.hset(`${foreign}-hash`, 'f', 'v');
  }, 30_000);
  afterAll(async () => {
    await bare?.close();
    await repo?.close();
    if (server) await stopRedis(server);
  });

  const own = async (): Promise<void> => {
    await bare.setItem('a', 1, 60_000);
    await bare.setItem('b', { two: 2 }, 60_000);
  };

  it('getKeys("*") lists only its own keys', async () => {
    await own();
    expect(sorted(await bare.getKeys('*'))).toEqual(['a', 'b']);
    expect(await bare.getKeys(`${foreign}*`)).toEqual([]);
  });

  it('getItemsLike("") returns only its own entries', async () => {
    await own();
    expect(await bare.getItemsLike('')).toEqual({ a: 1, b: { two: 2 } });
    expect(await bare.getItemsLike(foreign)).toEqual({});
  });

  it('single-key calls never see a foreign key', async () => {
    await expect(bare.getItem(`${foreign}-text`)).rejects.toMatchObject({ code: 'MOTIFS_NOT_FOUND' });
    await expect(bare.getItem(`${foreign}-json`)).rejects.toMatchObject({ code: 'MOTIFS_NOT_FOUND' });
    expect(await bare.hasItem(`${foreign}-json`)).toBe(false);
    expect(await bare.delItem(`${foreign}-hash`)).toBe(false);
    expect(await bare.client.exists(`${foreign}-list`, `${foreign}-text`, `${foreign}-json`, `${foreign}-hash`)).toBe(4);
  });

  it('delItemsLike("") deletes only its own entries; every other key is left as it was', async () => {
    await bare.delItemsLike('a');
    await bare.delItemsLike('b');
    const before = await snapshot(bare.client);
    await own();
    expect(await bare.delItemsLike('')).toBe(2);
    expect(await snapshot(bare.client)).toEqual(before);
    expect(await bare.client.lrange(`${foreign}-list`, 0, -1)).toEqual(['a', 'b']);
    expect(await bare.client.get(`${foreign}-text`)).toBe('not json at all');
    expect((await repo.findMany({})).map((p) => p.id).sort()).toEqual(['p1', 'p2']);
    expect(await repo.count({ name: 'Ada' })).toBe(1);
  });

  it('writing under a foreign key\'s name leaves the foreign key alone', async () => {
    await bare.setItem(`${foreign}-list`, 'mine', 60_000);
    await bare.setItem(`${foreign}-text`, 'mine too', 60_000);
    expect(await bare.client.lrange(`${foreign}-list`, 0, -1)).toEqual(['a', 'b']);
    expect(await bare.client.get(`${foreign}-text`)).toBe('not json at all');
    expect(await bare.getItem(`${foreign}-list`)).toBe('mine');
    expect(await bare.delItemsLike(foreign)).toBe(2);
    expect(await bare.client.exists(`${foreign}-list`, `${foreign}-text`, `${foreign}-json`, `${foreign}-hash`)).toBe(4);
  });
});

// Names chosen to spell another motif's keys. Everything lives under a unique namespace, so this
// part is safe on the shared Redis even with a layout that lets names alias.
describeWithService({ describe, it }, 'redis', 'names cannot alias another motif\'s keys', () => {
  const base = uniqueNamespace('alias');
  const opened: { close(): Promise<void> }[] = [];
  let n = 0;

  /** A repo `people` in a fresh namespace with record p1, a cacher in namespace `{<ns>`, and a bare cacher. */
  async function setup(): Promise<{ ns: string; repo: RedisRepo<Person>; cacher: RedisCacher; bare: RedisCacher; ada: Person; repoKeys: Record<string, string> }> {
    const ns = `${base}-${++n}`;
    const repo = await createRedisRepo<Person>({ name: 'people', namespace: ns, indexes: ['name'], redis: { url: redisUrl() } });
    // `{<ns>` + `:` + `people}:rec:p1` spelled the repo's record key `{<ns>:people}:rec:p1` in 0.1.
    const cacher = await createRedisCacher({ namespace: `{${ns}`, redis: { url: redisUrl() } });
    const bare = await createRedisCacher({ redis: { url: redisUrl() } });
    opened.push(repo, cacher, bare);
    const ada = await repo.create({ id: 'p1', name: 'Ada' });
    // The raw client has no offline queue: a motif call first waits until it is connected.
    await cacher.hasItem('connected');
    const repoKeys = await snapshot(cacher.client, `{${ns}:people}*`);
    expect(Object.keys(repoKeys).length).toBeGreaterThanOrEqual(3);
    return { ns, repo, cacher, bare, ada, repoKeys };
  }

  afterAll(async () => {
    await Promise.all(opened.map((m) => m.close()));
    await purgeNamespace(redisUrl(), base);
  });

  it('setItem on a key spelling a repo record leaves the record as it was', async () => {
    const { ns, repo, cacher, bare, ada } = await setup();
    await cacher.setItem('people}:rec:p1', 'overwritten?', 60_000);
    await bare.setItem(`{${ns}:people}:rec:p1`, 'overwritten?', 60_000);
    await expect(repo.retrieve('p1')).resolves.toEqual(ada);
    expect(await cacher.getItem('people}:rec:p1')).toBe('overwritten?');
    await cacher.delItem('people}:rec:p1');
    await bare.delItem(`{${ns}:people}:rec:p1`);
  });

  it('delItem on a key spelling the repo\'s id set or meta hash deletes nothing', async () => {
    const { ns, repo, cacher, bare, repoKeys } = await setup();
    expect(await cacher.delItem('people}:ids')).toBe(false);
    expect(await bare.delItem(`{${ns}:people}:ids`)).toBe(false);
    expect(await cacher.delItem('people}:meta')).toBe(false);
    expect(await cacher.hasItem('people}:meta')).toBe(false);
    expect((await repo.findMany({})).map((p) => p.id)).toEqual(['p1']);
    expect(await snapshot(cacher.client, `{${ns}:people}*`)).toEqual(repoKeys);
  });

  it('listing and delItemsLike in a namespace spelling the repo\'s hash tag stay out of the repo', async () => {
    const { ns, repo, cacher, bare, ada, repoKeys } = await setup();
    await cacher.setItem('mine', 1, 60_000);
    expect(await cacher.getKeys('*')).toEqual(['mine']);
    expect(await cacher.getItemsLike('')).toEqual({ mine: 1 });
    expect(await bare.getKeys(`{${ns}*`)).toEqual([]);
    expect(await cacher.delItemsLike('')).toBe(1);
    expect(await bare.delItemsLike(`{${ns}`)).toBe(0);
    expect(await snapshot(cacher.client, `{${ns}:people}*`)).toEqual(repoKeys);
    await expect(repo.retrieve('p1')).resolves.toEqual(ada);
    expect(await repo.count({})).toBe(1);
  });
});
