// The Redis cacher against the shared Cacher contract through Sentinel (master name
// MOTIFS_REDIS_SENTINEL_NAME, sentinels MOTIFS_REDIS_SENTINELS).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { cacherContract } from '@motifs/test-suite';
import { createCacher } from '../src/index.js';
import { describeWithTopology, sentinelTopology } from './topologies.js';

describeWithTopology({ describe, it }, 'redis-sentinel', 'redis cacher through Sentinel', () => {
  cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis sentinel',
    create: ({ namespace }) => createCacher({ kind: 'redis', namespace, redis: { sentinel: sentinelTopology() } }),
  });
});
