import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { describeWithService, redisUrl, repoContract } from '@motifs/test-suite';
import { createRepo } from '../src/index.js';

describeWithService({ describe, it }, 'redis', 'redis repo', () => {
  repoContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis',
    makeRepo: (options) => createRepo({ kind: 'redis', ...options, redis: { url: redisUrl(), commandTimeoutMs: 20_000 } }),
    slowTimeoutMs: 120_000,
  });
});
