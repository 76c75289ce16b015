import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { channelStreamKey, makeRequesterWith, makeResponderWith } from '@motifs/core/kit';
import { describeWithService, redisClusterNodes, requestReplyContract, uniqueNamespace } from '@motifs/test-suite';
import { createRedisPublisher } from '../src/index.js';
import { TestBed } from './helpers.js';

// The same contract on a Redis Cluster: a request stream and its reply streams share one hash tag.
const connection = { cluster: { nodes: redisClusterNodes() }, commandTimeoutMs: 10_000 };
const bed = new TestBed(connection);
const loaders = { '@motifs/listener-redis': () => import('../src/index.js') };

describeWithService({ describe, it }, 'redis-cluster', 'listener-redis request/reply contract (cluster)', () => {
  requestReplyContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis (cluster)',
    capabilities: { partitioned: false },
    timeouts: { waitMs: 10_000, shortMs: 1000 },
    async create() {
      const namespace = uniqueNamespace('rr');
      const channelId = 'quotes';
      bed.track(namespace, channelId);
      const redis = { ...connection, namespace };
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
