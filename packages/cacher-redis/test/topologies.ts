// The Redis Cluster and Sentinel setups of tools/services, as @motifs/test-suite reads them from the
// env vars the test runner sets (skipped with the reason outside CI when unavailable, failing in CI).
import { describeWithService, redisClusterNodes, redisSentinel, type TestApi } from '@motifs/test-suite';

export type TopologyName = 'redis-cluster' | 'redis-sentinel';

/** `redis.cluster.nodes` of the test cluster. */
export const clusterNodes = redisClusterNodes;

/** `redis.sentinel` of the test Sentinel setup. */
export const sentinelTopology = redisSentinel;

/** `describe` for a suite that needs one of the topologies. */
export function describeWithTopology(api: Pick<TestApi, 'describe' | 'it'>, name: TopologyName, title: string, body: () => void): void {
  describeWithService(api, name, title, body);
}
