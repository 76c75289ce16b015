import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { escapeGlob } from '@motifs/core/kit';
import { readChannel } from './read-channel.js';
import { describeWithService, redisUrl, repoContract } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { createRepo } from '../src/index.js';

describeWithService({ describe, it }, 'redis', 'redis repo', () => {
  const namespaces = new Set<string>();

  repoContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis',
    create: (options) => {
      namespaces.add(options.namespace);
      return createRepo({ kind: 'redis', ...options, redis: { url: redisUrl(), commandTimeoutMs: 20_000 } });
    },
    timeouts: { slowTestMs: 120_000 },
    capabilities: { changes: { read: ({ namespace, channelId }) => readChannel(() => new Redis(redisUrl()), namespace, channelId) } },
    // The suite deletes every record; what stays is each repo's meta hash, removed here by our own prefixes.
    async cleanup() {
      const raw = new Redis(redisUrl());
      for (const namespace of namespaces) {
        let cursor = '0';
        do {
          const [next, keys] = await raw.scan(cursor, 'MATCH', `{${escapeGlob(namespace)}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await raw.unlink(...keys);
        } while (cursor !== '0');
      }
      await raw.quit();
    },
  });
});
