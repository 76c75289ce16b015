// kill -9 of a Redis Cluster master while getItemsLike / getKeys / delItemsLike walk every master:
// each listing either returns the complete set or rejects with a retryable typed error, never a
// silently partial list; listings complete again once a replica took over.
import { afterAll, describe, expect, it } from '@jest/globals';
import { isMotifsError } from '@motifs/core';
import { uniqueNamespace } from '@motifs/test-suite';
import { createRedisCacher, type RedisCacher } from '../src/index.js';
import { clusterNodes, describeWithTopology } from './topologies.js';

// The helpers of tools/services only act on nodes tools/services started.
interface ClusterServices {
  redisClusterMasterOf(o: { key: string }): Promise<{ host: string; port: number }>;
  redisClusterKillNode(o: { port: number }): Promise<void>;
  redisClusterWaitFailover(o: { port: number }): Promise<{ ms: number }>;
  redisClusterStartNode(o: { port: number }): Promise<void>;
  redisClusterWaitHealthy(): Promise<void>;
}
const services = (): Promise<ClusterServices> => import(new URL('../../../tools/services/index.mjs', import.meta.url).href) as Promise<ClusterServices>;

const KEYS = 3000;

describeWithTopology({ describe, it }, 'redis-cluster', 'redis cacher: listings through a Redis Cluster failover', () => {
  const killed = new Set<number>();
  let cacher: RedisCacher | undefined;

  afterAll(async () => {
    await cacher?.delItemsLike('').catch(() => undefined);
    await cacher?.close();
    const s = await services();
    for (const port of killed) await s.redisClusterStartNode({ port });
    if (killed.size) await s.redisClusterWaitHealthy();
  }, 60_000);

  it('every listing during the failover is complete or rejects retryable', async () => {
    const s = await services();
    await s.redisClusterWaitHealthy();
    const namespace = uniqueNamespace('motifs-cacher-fo');
    // Writes wait for a replica, so the failover cannot lose them.
    cacher = await createRedisCacher({ namespace, redis: { cluster: { nodes: clusterNodes() }, commandTimeoutMs: 1000, durability: { replicas: 1, timeoutMs: 500 } } });
    const entries: Record<string, number> = {};
    for (let i = 0; i < KEYS; i++) entries[`k/${i}`] = i;
    await cacher.setItems(entries, 600_000);
    expect(Object.keys(await cacher.getItemsLike('k/'))).toHaveLength(KEYS);

    const owner = await s.redisClusterMasterOf({ key: `motifs:cache:${namespace}:k/0` });
    const outcomes = { complete: 0, retryable: 0 };
    const wrong: unknown[] = [];
    let stop = false;
    const lister = (async () => {
      while (!stop) {
        const started = Date.now();
        try {
          const [items, keys] = await Promise.all([cacher!.getItemsLike<number>('k/'), cacher!.getKeys('k/*')]);
          if (Object.keys(items).length === KEYS && keys.length === KEYS && new Set(keys).size === KEYS && items['k/0'] === 0) outcomes.complete++;
          else wrong.push({ items: Object.keys(items).length, keys: keys.length, unique: new Set(keys).size });
        } catch (error) {
          if (isMotifsError(error) && error.retryable) outcomes.retryable++;
          else wrong.push(error);
          // A call settles within its bounds even while a node is gone.
          expect(Date.now() - started).toBeLessThan(15_000);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const before = outcomes.complete;
    killed.add(owner.port);
    await s.redisClusterKillNode({ port: owner.port });
    const { ms } = await s.redisClusterWaitFailover({ port: owner.port });
    // Listings complete again once the cluster settled.
    const settledAt = outcomes.complete;
    const deadline = Date.now() + 10_000;
    while (outcomes.complete < settledAt + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await lister;
    console.log(`cacher-redis cluster failover: promotion ${ms} ms; listings complete ${outcomes.complete} (before kill ${before}), rejected retryable ${outcomes.retryable}, wrong ${wrong.length}`);
    expect(wrong).toEqual([]);
    expect(before).toBeGreaterThan(0);
    expect(outcomes.complete).toBeGreaterThanOrEqual(settledAt + 3);
    // Nothing was lost (the writes had a replica) and delItemsLike reaches every master.
    expect(await cacher.delItemsLike('k/')).toBe(KEYS);
    expect(await cacher.getKeys('*')).toEqual([]);
  }, 60_000);
});
