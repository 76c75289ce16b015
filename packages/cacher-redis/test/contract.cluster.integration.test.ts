// The Redis cacher against the shared Cacher contract on a Redis Cluster (3 masters + 3 replicas,
// MOTIFS_REDIS_CLUSTER_NODES), keys spread over every master, and again with hash-tagged namespaces.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { cacherContract } from '@motifs/test-suite';
import { createCacher } from '../src/index.js';
import { clusterNodes, describeWithTopology } from './topologies.js';

describeWithTopology({ describe, it }, 'redis-cluster', 'redis cacher on a Redis Cluster', () => {
  cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis cluster',
    create: ({ namespace }) => createCacher({ kind: 'redis', namespace, redis: { cluster: { nodes: clusterNodes() } } }),
  });
  cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis cluster, hash-tagged namespace',
    create: ({ namespace }) => createCacher({ kind: 'redis', namespace, redis: { cluster: { nodes: clusterNodes() }, hashTagNamespace: true } }),
  });
});
