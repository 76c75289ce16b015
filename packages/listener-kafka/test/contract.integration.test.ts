import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { describeWithService, listenerContract } from '@motifs/test-suite';
import { KafkaTestBed } from './helpers.js';

const bed = new KafkaTestBed();

describeWithService({ describe, it }, 'kafka', 'listener-kafka contract', () => {
  listenerContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'kafka',
    create: ({ partitions }) => bed.channel(partitions),
    timeouts: { testMs: 90_000, waitMs: 45_000 },
    async cleanup() {
      await bed.cleanup();
    },
  });
});
