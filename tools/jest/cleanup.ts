// Cleanup for integration suites that share the developer's Redis and Kafka: they remove only what
// one test namespace created. Redis goes through the workspace's own RESP client
// (tools/services/resp.mjs) and Kafka through kafkajs loaded from @motifs/listener-kafka's location,
// so a suite needs no client library of its own.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

interface RespClient {
  call(...args: (string | number)[]): Promise<unknown>;
  close(): void;
}

const resp = pathToFileURL(join(repoRoot, 'tools', 'services', 'resp.mjs')).href;

/** Deletes every key containing `namespace` (a uniqueNamespace(): letters, digits and dashes only). */
export async function purgeNamespace(url: string, namespace: string): Promise<number> {
  if (!/^[A-Za-z0-9-]+$/.test(namespace)) throw new Error(`refusing to purge a namespace with glob characters: ${namespace}`);
  const { connectRedis } = (await import(resp)) as { connectRedis(url: string): Promise<RespClient> };
  const client = await connectRedis(url);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = (await client.call('SCAN', cursor, 'MATCH', `*${namespace}*`, 'COUNT', 500)) as [string, string[]];
      cursor = next;
      for (const key of keys) deleted += Number(await client.call('DEL', key));
    } while (cursor !== '0');
  } finally {
    client.close();
  }
  return deleted;
}

interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  deleteTopics(args: { topics: string[]; timeout?: number }): Promise<void>;
}

const adapterDir = join(repoRoot, 'packages', 'listener-kafka');

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
