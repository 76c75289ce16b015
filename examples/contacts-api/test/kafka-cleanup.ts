// Deletes the topics a suite created on the shared broker. kafkajs is the Kafka adapter's
// dependency, not the suite's: it is loaded from @motifs/listener-kafka's own location.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  deleteTopics(args: { topics: string[]; timeout?: number }): Promise<void>;
}

const adapterDir = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'packages', 'listener-kafka');

/** Deletes those of `topics` (and their `.dlq` dead-letter topics) that exist. */
export async function deleteTopics(brokers: string[], topics: string[]): Promise<void> {
  const { Kafka, logLevel } = createRequire(join(adapterDir, 'package.json'))('kafkajs') as {
    Kafka: new (config: { brokers: string[]; clientId: string; logLevel: number }) => { admin(): KafkaAdmin };
    logLevel: { NOTHING: number };
  };
  const admin = new Kafka({ brokers, clientId: 'motifs-test-cleanup', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const wanted = new Set(topics.flatMap((t) => [t, `${t}.dlq`]));
    const existing = (await admin.listTopics()).filter((t) => wanted.has(t));
    if (existing.length) await admin.deleteTopics({ topics: existing, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}
