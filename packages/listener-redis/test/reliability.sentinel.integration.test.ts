// The reliability cases of reliability-suite.ts through Sentinel (tools/services: one master, one
// replica, three sentinels): the listener, its children and the raw client find the master by name.
import { describe, it } from '@jest/globals';
import { describeWithService, redisSentinel } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { reliabilityCases } from './reliability-suite.js';

describeWithService({ describe, it }, 'redis-sentinel', 'listener-redis reliability (Sentinel)', () => {
  const { sentinels, name } = redisSentinel();
  reliabilityCases({ connection: { sentinel: { sentinels, name } }, raw: () => new Redis({ sentinels, name }) });
});
