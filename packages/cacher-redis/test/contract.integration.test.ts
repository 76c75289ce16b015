// The Redis cacher against the shared Cacher contract, on the real Redis (MOTIFS_REDIS_URL).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { cacherContract, describeWithService, redisUrl } from '@motifs/test-suite';
import { createCacher } from '../src/index.js';

describeWithService({ describe, it }, 'redis', 'redis cacher', () => {
  cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis',
    create: ({ namespace }) => createCacher({ kind: 'redis', namespace, redis: { url: redisUrl() } }),
  });
  // Every command written at once (autoPipelining corks the socket by default).
  cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis, autoPipelining off',
    create: ({ namespace }) => createCacher({ kind: 'redis', namespace, redis: { url: redisUrl(), autoPipelining: false } }),
  });
});
