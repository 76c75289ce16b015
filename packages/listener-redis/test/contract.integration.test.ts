import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { describeWithService, listenerContract, redisUrl } from '@motifs/test-suite';
import { TestBed } from './helpers.js';

const bed = new TestBed({ url: redisUrl() });

describeWithService({ describe, it }, 'redis', 'listener-redis contract (single node)', () => {
  listenerContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis',
    // One stream is one log (no partitions to split); no pattern subscriptions (refused at make time).
    capabilities: { partitions: false, patterns: false },
    create: async () => bed.channel(),
    cleanup: () => bed.cleanup(),
  });
});
