// The reliability cases of reliability-suite.ts on the 3-node cluster (tools/services kafka-cluster):
// every topic replicated 3 ways with min.insync.replicas 2, so acks=all waits for two replicas and
// partitions are led by different brokers.
import { expect, it } from '@jest/globals';
import { KafkaTestBed } from './helpers.js';
import { describeOnCluster, suiteCluster } from './cluster.js';
import { reliabilityCases } from './reliability-suite.js';

const up = await suiteCluster((line) => process.stdout.write(`[cluster] ${line}\n`));

describeOnCluster('listener-kafka reliability (3-node cluster, replication factor 3)', up, () => {
  const bed = new KafkaTestBed(up.brokers, 3);

  it('creates its topics replicated on all 3 brokers, with min.insync.replicas 2 and no unclean election', async () => {
    const topic = await bed.topic(3);
    const admin = await bed.adminClient();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]!.partitions;
    expect(partitions).toHaveLength(3);
    for (const p of partitions) {
      expect([...p.replicas].sort()).toEqual([1, 2, 3]);
      expect(p.isr).toHaveLength(3);
    }
    // Leaders spread over the brokers, so the cases below really talk to several of them.
    expect(new Set(partitions.map((p) => p.leader)).size).toBeGreaterThan(1);
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: topic, configNames: ['min.insync.replicas', 'unclean.leader.election.enable'] }],
    });
    const config = Object.fromEntries(resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(config).toEqual({ 'min.insync.replicas': '2', 'unclean.leader.election.enable': 'false' });
  }, 60_000);

  reliabilityCases(bed);
});
