// A change feed whose keys were overwritten by someone else: the scripts check them before the
// first write, so the write is refused whole (no record without its message).
import { afterAll, describe, expect, it } from '@jest/globals';
import type { IBaseDto } from '@motifs/core';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { Redis } from 'ioredis';
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
    expect(await repo.retrieve('kept')).toMatchObject({ n: 1 });
    await raw.del(key);
    await raw.restore(key, 0, saved!);
    expect((await repo.update('kept', { n: 3 })).n).toBe(3);
    expect(await raw.xlen(repo.changesKey!)).toBe(2);
  });
});
