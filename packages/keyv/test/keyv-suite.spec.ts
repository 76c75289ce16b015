// Keyv's own compliance suite (@keyv/test-suite, written for vitest) through toKeyvStore, against a
// memory cacher and a Redis cacher. Each store() call wraps the same cacher, as Keyv's adapters share a backend.
import * as vitest from 'vitest';
import { Keyv } from 'keyv';
import keyvTestSuite from '@keyv/test-suite';
import { createMemoryCacher } from '@motifs/cacher-memory';
import { createRedisCacher, type RedisCacher } from '@motifs/cacher-redis';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { toKeyvStore } from '../src/index.js';

const { describe, it, beforeAll, afterAll } = vitest;

describe('Keyv test suite on a memory cacher', () => {
  const cacher = createMemoryCacher({ namespace: 'keyv-suite' });
  afterAll(() => cacher.close());
  keyvTestSuite(vitest, Keyv, () => toKeyvStore(cacher));
});

describeWithService({ describe, it }, 'redis', 'Keyv test suite on a Redis cacher', () => {
  let cacher: RedisCacher;
  beforeAll(async () => {
    cacher = await createRedisCacher({ namespace: uniqueNamespace('keyv-suite'), redis: { url: redisUrl() } });
  });
  afterAll(async () => {
    await cacher.delItemsLike('');
    await cacher.close();
  });
  keyvTestSuite(vitest, Keyv, () => toKeyvStore(cacher));
});
