import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { describeWithService, listenerContract, redisSentinel } from '@motifs/test-suite';
import { TestBed } from './helpers.js';

// The same contract through `redis: { sentinel }` (the master Sentinel names).
const bed = new TestBed({ sentinel: redisSentinel(), commandTimeoutMs: 10_000 });

describeWithService({ describe, it }, 'redis-sentinel', 'listener-redis contract (sentinel)', () => {
  listenerContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis (sentinel)',
    // One stream is one log (no partitions to split); no pattern subscriptions (refused at make time).
    capabilities: { partitions: false, patterns: false },
    create: async () => bed.channel(),
    cleanup: () => bed.cleanup(),
  });
});
