import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { repoContract } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { createRepo } from '../src/index.js';
import { deleteRepoKeys } from './raw-keys.js';
import { readChannel } from './read-channel.js';
import { describeWithTopology, sentinelTopology } from './topologies.js';

// The same contract as on one node, through `redis: { sentinel }` (the master Sentinel names).
describeWithTopology({ describe, it }, 'redis-sentinel', 'redis repo through Sentinel', () => {
  const namespaces = new Set<string>();

  repoContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis (sentinel)',
    create: (options) => {
      namespaces.add(options.namespace);
      return createRepo({ kind: 'redis', ...options, redis: { sentinel: sentinelTopology(), commandTimeoutMs: 20_000 } });
    },
    timeouts: { slowTestMs: 120_000 },
    capabilities: { changes: { read: ({ namespace, channelId }) => readChannel(() => new Redis(sentinelTopology()), namespace, channelId) } },
    async cleanup() {
      const raw = new Redis(sentinelTopology());
      try {
        await deleteRepoKeys([raw], namespaces);
      } finally {
        await raw.quit();
      }
    },
  });
});
