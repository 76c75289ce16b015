import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { repoContract } from '@motifs/test-suite';
import { Cluster } from 'ioredis';
import { createRepo } from '../src/index.js';
import { deleteRepoKeys } from './raw-keys.js';
import { readChannel } from './read-channel.js';
import { clusterNodes, describeWithTopology } from './topologies.js';

// The same contract as on one node, through `redis: { cluster }`: each repo's keys share one slot
// (hash tag), so every script and MULTI runs on the master owning it.
describeWithTopology({ describe, it }, 'redis-cluster', 'redis repo on a Redis Cluster', () => {
  const namespaces = new Set<string>();

  repoContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis (cluster)',
    create: (options) => {
      namespaces.add(options.namespace);
      return createRepo({ kind: 'redis', ...options, redis: { cluster: { nodes: clusterNodes() }, commandTimeoutMs: 20_000 } });
    },
    timeouts: { slowTestMs: 120_000 },
    capabilities: { changes: { read: ({ namespace, channelId }) => readChannel(() => new Cluster(clusterNodes()), namespace, channelId) } },
    async cleanup() {
      const raw = new Cluster(clusterNodes());
      try {
        await deleteRepoKeys(raw.nodes('master'), namespaces);
      } finally {
        await raw.quit();
      }
    },
  });
});
