// The reliability cases of reliability-suite.ts on the single broker (MOTIFS_KAFKA_BROKERS).
import { describe, it } from '@jest/globals';
import { describeWithService } from '@motifs/test-suite';
import { KafkaTestBed } from './helpers.js';
import { reliabilityCases } from './reliability-suite.js';

describeWithService({ describe, it }, 'kafka', 'listener-kafka reliability (real broker)', () => {
  reliabilityCases(new KafkaTestBed());
});
