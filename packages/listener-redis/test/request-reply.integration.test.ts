import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { channelStreamKey, makeRequesterWith, makeResponderWith } from '@motifs/core/kit';
import { describeWithService, redisUrl, requestReplyContract, uniqueNamespace } from '@motifs/test-suite';
import { createRedisPublisher } from '../src/index.js';
import { TestBed } from './helpers.js';

const bed = new TestBed({ url: redisUrl() });
// Core finds this package's factories (and its channel admin) through these loaders.
const loaders = { '@motifs/listener-redis': () => import('../src/index.js') };

describeWithService({ describe, it }, 'redis', 'listener-redis request/reply contract (single node)', () => {
  requestReplyContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis',
    // One stream per channel: a group's members share it entry by entry, there are no partitions to own.
    capabilities: { partitioned: false },
    timeouts: { waitMs: 10_000, shortMs: 1000 },
    async create() {
      const namespace = uniqueNamespace('rr');
      const channelId = 'quotes';
      bed.track(namespace, channelId);
      const redis = { url: redisUrl(), namespace };
      return {
        channelId,
        requester: (o = {}) => makeRequesterWith({ kind: 'redis', channelId, redis, ...o }, loaders),
        responder: (o = {}) =>
          makeResponderWith({ kind: 'redis', channelId, redis: { ...redis, fromBeginning: true, groupId: o.groupId ?? uniqueNamespace('responders') } }, loaders),
        publisher: async () => createRedisPublisher({ channelId, redis }),
        channelExists: async (id) => (await bed.client().exists(channelStreamKey(namespace, id))) > 0,
      };
    },
    cleanup: () => bed.cleanup(),
  });
});
