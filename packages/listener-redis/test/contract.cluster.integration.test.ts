import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { describeWithService, listenerContract, redisClusterNodes } from '@motifs/test-suite';
import { TestBed } from './helpers.js';

// The same contract through `redis: { cluster }`: a channel, its dead-letter stream and the
// dead-letter script's keys share one hash tag, so every script runs on the master owning it.
const bed = new TestBed({ cluster: { nodes: redisClusterNodes() }, commandTimeoutMs: 10_000 });

describeWithService({ describe, it }, 'redis-cluster', 'listener-redis contract (cluster)', () => {
  listenerContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis (cluster)',
    // One stream is one log (no partitions to split); no pattern subscriptions (refused at make time).
    capabilities: { partitions: false, patterns: false },
    create: async () => bed.channel(),
    cleanup: () => bed.cleanup(),
  });
});
