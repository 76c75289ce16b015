import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { makeRequesterWith, makeResponderWith } from '@motifs/core/kit';
import { describeWithService, requestReplyContract, uniqueNamespace } from '@motifs/test-suite';
import { createKafkaPublisher } from '../src/index.js';
import { KafkaTestBed } from './helpers.js';

const bed = new KafkaTestBed();
// Core finds this package's factories (and its channel admin) through these loaders.
const loaders = { '@motifs/listener-kafka': () => import('../src/index.js') };

/** A fresh topic; asked again when kafkajs's leader wait gives up early (it asks one broker, which may not know the topic yet). */
async function freshTopic(partitions: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await bed.topic(partitions);
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

describeWithService({ describe, it }, 'kafka', 'listener-kafka request/reply contract', () => {
  requestReplyContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'kafka',
    timeouts: { testMs: 90_000, waitMs: 45_000, shortMs: 3000 },
    async create({ partitions }) {
      const channelId = await freshTopic(partitions);
      const kafka = { client: bed.client, logLevel: 'nothing' as const };
      return {
        channelId,
        requester: (o = {}) => makeRequesterWith({ kind: 'kafka', channelId, kafka, ...o }, loaders),
        responder: (o = {}) =>
          makeResponderWith({ kind: 'kafka', channelId, kafka: { ...kafka, fromBeginning: true, groupId: o.groupId ?? uniqueNamespace('responders') } }, loaders),
        publisher: async () => createKafkaPublisher({ channelId, kafka: { client: bed.client } }),
        channelExists: async (id) => (await (await bed.adminClient()).listTopics()).includes(id),
      };
    },
    async cleanup() {
      await bed.cleanup();
    },
  });
});
