import { afterAll, describe, expect, it } from '@jest/globals';
import type { IBaseDto } from '@motifs/core';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { createRedisRepo, type RedisRepo } from '../src/index.js';
import { deleteRepoKeys } from './raw-keys.js';

type Rec = IBaseDto & { n: number };

// The shared single node has no replica: WAIT 1 can never be satisfied, so every write is applied
// and then reported as unconfirmed.
describeWithService({ describe, it }, 'redis', 'redis repo durability (WAIT) on a node without replicas', () => {
  const namespace = uniqueNamespace('motifs-durable');
  const repos: RedisRepo<Rec>[] = [];
  afterAll(async () => {
    for (const repo of repos) await repo.close();
    const raw = new Redis(redisUrl());
    await deleteRepoKeys([raw], [namespace]);
    await raw.quit();
  });

  it('rejects each write with outcomeUnknown after timeoutMs, saying it may exist; the write is there', async () => {
    const repo = await createRedisRepo<Rec>({ name: 'd', namespace, redis: { url: redisUrl(), durability: { replicas: 1, timeoutMs: 150 } } });
    repos.push(repo);
    expect(repo.durability).toEqual({ replicas: 1, timeoutMs: 150 });
    const started = Date.now();
    const err = await repo.create({ id: 'a', n: 1 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(err).toMatchObject({ code: 'MOTIFS_UNAVAILABLE', outcomeUnknown: true, retryable: false, details: { id: 'a', acked: 0, wanted: 1 } });
    expect((err as Error).message).toMatch(/may exist/);
    expect(await repo.retrieve('a')).toMatchObject({ n: 1 });
    // An update is idempotent: retryable.
    await expect(repo.update('a', { n: 2 })).rejects.toMatchObject({ outcomeUnknown: true, retryable: true, details: { acked: 0, wanted: 1 } });
    expect(await repo.retrieve('a')).toMatchObject({ n: 2 });
    await expect(repo.delete_('a')).rejects.toMatchObject({ outcomeUnknown: true, retryable: true });
    await expect(repo.retrieve('a')).rejects.toMatchObject({ code: 'MOTIFS_NOT_FOUND' });
  });

  it('is validated with the other redis options', async () => {
    await expect(createRedisRepo<Rec>({ name: 'd3', namespace, redis: { commandTimeoutMs: 100, durability: { replicas: 1, timeoutMs: 100 } } })).rejects.toMatchObject({
      code: 'MOTIFS_VALIDATION',
      issues: [{ path: ['redis', 'durability', 'timeoutMs'] }],
    });
  });
});
