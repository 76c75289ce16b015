import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { describeWithService, listenerContract } from '@motifs/test-suite';
import { KafkaTestBed } from './helpers.js';
import { PatternTopics } from './pattern-channel.js';

const bed = new KafkaTestBed();
const patternTopics = new PatternTopics(bed);

describeWithService({ describe, it }, 'kafka', 'listener-kafka contract', () => {
  listenerContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'kafka',
    create: async ({ partitions }) => patternTopics.extend(await bed.channel(partitions)),
    capabilities: { patterns: true },
    timeouts: { testMs: 90_000, waitMs: 45_000 },
    async cleanup() {
      await patternTopics.cleanup();
      await bed.cleanup();
    },
  });
});
