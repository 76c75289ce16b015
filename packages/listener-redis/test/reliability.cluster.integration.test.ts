// The reliability cases of reliability-suite.ts on the test Redis Cluster (tools/services): a
// channel's stream and its dead-letter stream share one hash tag, so they live on one master.
import { describe, it } from '@jest/globals';
import { describeWithService, redisClusterNodes } from '@motifs/test-suite';
import { Cluster } from 'ioredis';
import { reliabilityCases } from './reliability-suite.js';

describeWithService({ describe, it }, 'redis-cluster', 'listener-redis reliability (Redis Cluster)', () => {
  reliabilityCases({ connection: { cluster: { nodes: redisClusterNodes() } }, raw: () => new Cluster(redisClusterNodes()) });
});
