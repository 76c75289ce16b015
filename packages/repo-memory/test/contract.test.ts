import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { defaultHub } from '@motifs/listener-memory';
import { repoContract } from '@motifs/test-suite';
import { createRepo } from '../src/index.js';

repoContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
  title: 'memory',
  create: async (options) => createRepo({ kind: 'memory', ...options }),
  capabilities: {
    // The repo's default feed publisher is a memory one on the process-wide hub (made through the registry).
    changes: {
      read: async ({ channelId }) => (defaultHub.has(channelId) ? defaultHub.channel(channelId).partitionLogs.flatMap((log) => log.retained()) : []),
    },
  },
});
