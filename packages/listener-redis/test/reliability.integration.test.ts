// The reliability cases of reliability-suite.ts on a single Redis node (MOTIFS_REDIS_URL).
import { describe, it } from '@jest/globals';
import { describeWithService, redisUrl } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { reliabilityCases } from './reliability-suite.js';

describeWithService({ describe, it }, 'redis', 'listener-redis reliability (single node)', () => {
  reliabilityCases({ connection: { url: redisUrl() }, raw: () => new Redis(redisUrl()) });
});
