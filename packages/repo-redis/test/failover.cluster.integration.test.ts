import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { uniqueNamespace } from '@motifs/test-suite';
import { Cluster, Redis } from 'ioredis';
import { createRedisRepo, type RedisRepo } from '../src/index.js';
import { COMMAND_TIMEOUT_MS, checkRawInvariants, expectSettled, lostAcknowledged, messages, runLoad, summarize, type LoadRecord } from './failover-load.js';
import { deleteRepoKeys } from './raw-keys.js';
import { clusterNodes, describeWithTopology } from './topologies.js';

// kill -9 of the master owning the repo's slot under a steady stream of writes (issue 10 part 7).
// The helpers of tools/services only act on nodes tools/services started.

interface ClusterServices {
  redisClusterMasterOf(o: { key: string }): Promise<{ host: string; port: number }>;
  redisClusterKillNode(o: { port: number }): Promise<void>;
  redisClusterWaitFailover(o: { port: number }): Promise<{ ms: number }>;
  redisClusterStartNode(o: { port: number }): Promise<void>;
  redisClusterWaitHealthy(): Promise<void>;
}
const services = (): Promise<ClusterServices> => import(new URL('../../../tools/services/index.mjs', import.meta.url).href) as Promise<ClusterServices>;

/** cluster-node-timeout of tools/services (2000 ms) plus the bound measured for election and slot refresh. */
const RESUME_BOUND_MS = 2000 + 6000;

describeWithTopology({ describe, it }, 'redis-cluster', 'redis repo: Redis Cluster failover under load', () => {
  const namespace = uniqueNamespace('motifs-fo-cluster');
  const killed = new Set<number>();
  const repos: RedisRepo<LoadRecord>[] = [];
  const figures: Record<string, unknown> = {};

  const open = async (name: string, durability?: { replicas: number; timeoutMs: number }): Promise<RedisRepo<LoadRecord>> => {
    const repo = await createRedisRepo<LoadRecord>({ name, namespace, indexes: ['k'], redis: { cluster: { nodes: clusterNodes() }, commandTimeoutMs: COMMAND_TIMEOUT_MS, ...(durability && { durability }) } });
    repos.push(repo);
    return repo;
  };

  const restartKilled = async (): Promise<void> => {
    const s = await services();
    for (const port of killed) await s.redisClusterStartNode({ port });
    killed.clear();
    await s.redisClusterWaitHealthy();
  };

  afterAll(async () => {
    for (const repo of repos) await repo.close();
    await restartKilled();
    const raw = new Cluster(clusterNodes());
    try {
      await deleteRepoKeys(raw.nodes('master'), [namespace]);
    } finally {
      await raw.quit();
    }
    writeFileSync(`${process.env.MOTIFS_FAILOVER_FIGURES_DIR ?? '/tmp'}/motifs-failover-cluster.json`, JSON.stringify(figures, null, 2));
  }, 60_000);

  /** Kills the master of `repo`'s slot; with `restart`, brings it back as a replica once the failover is done. */
  const killer = (repo: RedisRepo<LoadRecord>, restart: boolean) => async (): Promise<void> => {
    const s = await services();
    const owner = await s.redisClusterMasterOf({ key: `${repo.layout.prefix}ids` });
    await s.redisClusterKillNode({ port: owner.port });
    killed.add(owner.port);
    if (!restart) return;
    void s.redisClusterWaitFailover({ port: owner.port }).then(restartKilled);
  };

  const checkRaw = async (repo: RedisRepo<LoadRecord>): Promise<number> => {
    const s = await services();
    for (const port of killed) await s.redisClusterWaitFailover({ port });
    const owner = await (await services()).redisClusterMasterOf({ key: `${repo.layout.prefix}ids` });
    const node = new Redis(owner.port, owner.host);
    try {
      const { records, problems } = await checkRawInvariants(node, repo.layout.prefix);
      expect(problems).toEqual([]);
      return records;
    } finally {
      await node.quit();
    }
  };

  it('settles every call in time with success or a typed retryable error, resumes within the bound, keeps indexes whole', async () => {
    const repo = await open('plain');
    try {
      const result = await runLoad(repo, { callers: 8, warmupMs: 1500, afterRecoveryMs: 1500, maxMs: 20_000, kill: killer(repo, false) });
      figures.plain = { firstSuccessMs: result.firstSuccessMs, counts: summarize(result), messages: messages(result), calls: result.outcomes.length };
      expectSettled(result);
      expect(result.firstSuccessMs).toBeDefined();
      expect(result.firstSuccessMs!).toBeLessThan(RESUME_BOUND_MS);
      expect(result.outcomes.filter((o) => !o.ok).length).toBeGreaterThan(0);
      (figures.plain as Record<string, unknown>).records = await checkRaw(repo);
    } finally {
      await restartKilled();
    }
  }, 90_000);

  it('with durability: { replicas: 1 } loses no acknowledged write', async () => {
    const repo = await open('durable', { replicas: 1, timeoutMs: 400 });
    const result = await runLoad(repo, { callers: 8, warmupMs: 1500, afterRecoveryMs: 1500, maxMs: 30_000, kill: killer(repo, true) });
    figures.durable = { firstSuccessMs: result.firstSuccessMs, counts: summarize(result), messages: messages(result), calls: result.outcomes.length, created: result.created.size };
    expectSettled(result);
    expect(result.firstSuccessMs).toBeDefined();
    expect(await lostAcknowledged(repo, result)).toEqual([]);
    (figures.durable as Record<string, unknown>).records = await checkRaw(repo);
  }, 90_000);
});
