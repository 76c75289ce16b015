import { afterAll, describe, expect, it } from '@jest/globals';
import { normalizeRedisOptions, openRedisClient, waitForRedisReady } from '@motifs/core/kit';
import { uniqueNamespace } from '@motifs/test-suite';
import type { IBaseDto } from '@motifs/core';
import type { Cluster, Redis } from 'ioredis';
import { createRedisRepo } from '../src/index.js';
import { clusterNodes, describeWithTopology, sentinelTopology } from './topologies.js';

const namespace = uniqueNamespace('motifs-topo');

async function open(redis: Parameters<typeof normalizeRedisOptions>[0]): Promise<{ client: Redis | Cluster; topology: string }> {
  const settings = normalizeRedisOptions<Redis | Cluster>(redis as never);
  return openRedisClient<Redis | Cluster>(settings, () => import('ioredis'));
}

describeWithTopology({ describe, it }, 'redis-cluster', 'openRedisClient on a Redis Cluster', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('opens a Cluster client that becomes ready and serves keys of every slot', async () => {
    const { client, topology } = await open({ cluster: { nodes: clusterNodes().slice(0, 1) } });
    closers.push(() => client.quit());
    expect(topology).toBe('cluster');
    expect((client as Cluster).isCluster).toBe(true);
    await waitForRedisReady(client, { timeoutMs: 5000, what: 'test' });
    expect(client.status).toBe('ready');
    // Keys spread over the three masters: the client routes each to its slot.
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => `${namespace}:${k}`);
    for (const key of keys) await client.set(key, key, 'PX', 60_000);
    for (const key of keys) expect(await client.get(key)).toBe(key);
    await Promise.all(keys.map((k) => client.del(k)));
    expect((client as Cluster).nodes('master')).toHaveLength(3);
  });

  it('rejects, without waiting past the timeout, when no startup node answers', async () => {
    const { client } = await open({ cluster: { nodes: ['127.0.0.1:1'] }, connectTimeoutMs: 200 });
    const started = Date.now();
    try {
      await expect(waitForRedisReady(client, { timeoutMs: 1500, what: 'test' })).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE', retryable: true });
      expect(Date.now() - started).toBeLessThan(1600);
    } finally {
      client.disconnect();
    }
  });

  it('runs a repo through redis.cluster', async () => {
    const repo = await createRedisRepo<IBaseDto & { n: number }>({ name: 'topo', namespace, indexes: ['n'], redis: { cluster: { nodes: clusterNodes() } } });
    closers.push(async () => {
      for (const r of await repo.findMany({})) await repo.delete_(r.id);
      await repo.close();
    });
    expect(repo.topology).toBe('cluster');
    const a = await repo.create({ n: 1 });
    await repo.update(a.id, { n: 2 });
    expect(await repo.findMany({ n: 2 })).toEqual([expect.objectContaining({ id: a.id, n: 2 })]);
    expect(await repo.reindex()).toBe(1);
  });
});

describeWithTopology({ describe, it }, 'redis-sentinel', 'openRedisClient through Sentinel', () => {
  it('opens a client on the master Sentinel names', async () => {
    const { client, topology } = await open({ sentinel: sentinelTopology() });
    try {
      expect(topology).toBe('sentinel');
      await waitForRedisReady(client, { timeoutMs: 5000, what: 'test' });
      const role = (await (client as Redis).role()) as unknown[];
      expect(role[0]).toBe('master');
      const key = `${namespace}:s`;
      await client.set(key, '1', 'PX', 60_000);
      expect(await client.get(key)).toBe('1');
      await client.del(key);
    } finally {
      await client.quit();
    }
  });

  it('reports an unknown master name as unavailable within the timeout', async () => {
    const { client } = await open({ sentinel: { ...sentinelTopology(), name: 'no-such-master' } });
    try {
      await expect(waitForRedisReady(client, { timeoutMs: 1500, what: 'test' })).rejects.toMatchObject({ code: expect.stringMatching(/MOTIFS_(UNAVAILABLE|TIMEOUT)/) });
    } finally {
      client.disconnect();
    }
  });
});
