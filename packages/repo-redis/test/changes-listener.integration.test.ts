// End to end: a repo's change feed read by @motifs/listener-redis (a consumer group on the stream
// the repo's scripts append to), on one node and on a Redis Cluster.
import { afterAll, describe, expect, it } from '@jest/globals';
import type { IBaseDto, RepoChange } from '@motifs/core';
import { createRedisListener } from '@motifs/listener-redis';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { Cluster, Redis } from 'ioredis';
import { createRedisRepo } from '../src/index.js';
import { deleteRepoKeys } from './raw-keys.js';
import { clusterNodes, describeWithTopology } from './topologies.js';

interface Order extends IBaseDto {
  total: number;
}

const waitFor = async (done: () => boolean, ms = 15_000): Promise<void> => {
  for (const end = Date.now() + ms; !done() && Date.now() < end;) await new Promise((resolve) => setTimeout(resolve, 20));
};

function endToEnd(topology: 'single' | 'cluster'): void {
  const namespace = uniqueNamespace('motifs-feed-e2e');
  const connection = () => (topology === 'cluster' ? { cluster: { nodes: clusterNodes() } } : { url: redisUrl() });
  afterAll(async () => {
    if (topology === 'cluster') {
      const raw = new Cluster(clusterNodes());
      await deleteRepoKeys(raw.nodes('master'), [namespace]).finally(() => raw.quit());
    } else {
      const raw = new Redis(redisUrl());
      await deleteRepoKeys([raw], [namespace]).finally(() => raw.quit());
    }
  });

  it('a listener-redis consumer group receives every change of the repo, keyed by id, in commit order per id', async () => {
    const repo = await createRedisRepo<Order>({ name: 'orders', namespace, changes: { channelId: 'orders.changes' }, redis: connection() });
    const listener = createRedisListener<RepoChange<Order>>({ channelId: 'orders.changes', redis: { ...connection(), namespace, groupId: 'billing', fromBeginning: true } });
    const got: { key: string | undefined; change: RepoChange<Order> }[] = [];
    listener.onMessage(async (change, { key }) => {
      got.push({ key, change });
    });
    listener.onError(async () => undefined);
    await listener.listen();
    try {
      const created = await repo.create({ id: 'o1', total: 10 });
      const updated = await repo.update('o1', { total: 12.5 });
      await repo.delete_('o1');
      await Promise.all(Array.from({ length: 20 }, (_, i) => repo.create({ id: `m${i}`, total: i })));
      await waitFor(() => got.length === 23);
      expect(got.slice(0, 3)).toEqual([
        { key: 'o1', change: { op: 'create', id: 'o1', dto: created, version: 1, at: got[0]!.change.at } },
        { key: 'o1', change: { op: 'update', id: 'o1', dto: updated, previous: created, version: 2, at: got[1]!.change.at } },
        { key: 'o1', change: { op: 'delete', id: 'o1', dto: updated, version: 3, at: got[2]!.change.at } },
      ]);
      expect(got.slice(3).map((g) => g.key).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    } finally {
      await listener.close();
      await repo.close();
    }
  }, 30_000);
}

describeWithService({ describe, it }, 'redis', 'redis repo change feed read by listener-redis (single node)', () => endToEnd('single'));
describeWithTopology({ describe, it }, 'redis-cluster', 'redis repo change feed read by listener-redis (cluster)', () => endToEnd('cluster'));
