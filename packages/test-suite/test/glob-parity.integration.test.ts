// The core glob matcher must agree with Redis's own on every case in GLOB_CASES.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { compileGlob, escapeGlob } from '@motifs/core';
import { GLOB_KEYS, GLOB_PATTERNS, describeWithService, redisUrl, uniqueNamespace } from '../src/index.js';

describeWithService({ describe, it }, 'redis', 'glob parity with Redis', () => {
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  const ns = `${uniqueNamespace('motifs-glob')}:`;

  beforeAll(async () => {
    await redis.mset(Object.fromEntries(GLOB_KEYS.map((k) => [ns + k, '1'])));
  });
  afterAll(async () => {
    await redis.del(...GLOB_KEYS.map((k) => ns + k));
    await redis.quit();
  });

  async function redisMatches(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', escapeGlob(ns) + pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys.map((k) => k.slice(ns.length)));
    } while (cursor !== '0');
    return found.sort();
  }

  it.each(GLOB_PATTERNS)('%j matches the same keys as Redis SCAN MATCH', async (pattern) => {
    const match = compileGlob(escapeGlob(ns) + pattern);
    const ours = GLOB_KEYS.filter((k) => match(ns + k)).sort();
    expect(ours).toEqual(await redisMatches(pattern));
  });
});
