import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { describeWithService, listenerContract } from '@motifs/test-suite';
import { KafkaTestBed } from './helpers.js';

const bed = new KafkaTestBed();

describeWithService({ describe, it }, 'kafka', 'listener-kafka contract', () => {
  listenerContract(
    { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach },
    {
      name: 'kafka',
      testTimeoutMs: 90_000,
      waitMs: 45_000,
      newChannel: ({ partitions }) => bed.channel(partitions),
      cleanup: async () => {
        await bed.cleanup();
      },
    },
  );
});
