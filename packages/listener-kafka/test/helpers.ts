import { type ListenerContractChannel, kafkaBrokers, uniqueNamespace } from '@motifs/test-suite';
import { textCodec } from '@motifs/core';
import { type Socket, connect } from 'node:net';
import kafkajs from 'kafkajs';
import type { Admin, Kafka as KafkaClient, Producer } from 'kafkajs';
import { createKafkaListener, createKafkaPublisher } from '../src/index.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

/**
 * Topics, clients and a raw producer for one integration suite; `cleanup()` deletes every topic it
 * made and closes whatever broker sockets kafkajs left open.
 */
export class KafkaTestBed {
  /** Every socket the test client opened and that is not closed yet. */
  private readonly sockets = new Set<Socket>();
  readonly client: KafkaClient;
  private admin: Admin | undefined;
  private raw: Producer | undefined;
  private readonly topics: string[] = [];

  /**
   * `brokers`: another cluster than MOTIFS_KAFKA_BROKERS (the 3-node cluster of the failover and
   * cluster suites); `replicationFactor`: of every topic the bed creates (3 on that cluster).
   */
  constructor(
    brokers: string[] = kafkaBrokers(),
    readonly replicationFactor = 1,
  ) {
    this.client = new Kafka({
      clientId: 'motifs-test',
      brokers,
      logLevel: logLevel.NOTHING,
      // kafkajs's own factory (plain TCP, keep-alive), plus tracking so leaks can be counted.
      socketFactory: ({ host, port, onConnect }) => {
        const socket = connect({ host, port }, onConnect);
        socket.setKeepAlive(true, 60_000);
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        return socket;
      },
    });
  }

  async adminClient(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.client.admin();
      await this.admin.connect();
    }
    return this.admin;
  }

  /**
   * Creates a fresh topic (and its `.dlq`) under a unique namespace. On a cluster (replication
   * factor > 1) it resolves once every partition of both has a leader and a full ISR.
   */
  async topic(partitions = 1): Promise<string> {
    const topic = uniqueNamespace('motifs-listener');
    const admin = await this.adminClient();
    const replicationFactor = this.replicationFactor;
    const topics = [
      { topic, numPartitions: partitions, replicationFactor },
      { topic: `${topic}.dlq`, numPartitions: 1, replicationFactor },
    ];
    this.topics.push(topic, `${topic}.dlq`);
    if (replicationFactor === 1) {
      await admin.createTopics({ waitForLeaders: true, topics });
      return topic;
    }
    // kafkajs's waitForLeaders asks one broker, which may not know a new topic yet, and gives up:
    // ask every few hundred ms instead, until each partition is led and fully replicated.
    await admin.createTopics({ topics });
    await this.replicated([topic, `${topic}.dlq`]);
    return topic;
  }

  /** Resolves once every partition of `topics` has a leader and all its replicas in sync (30 s at most). */
  async replicated(topics: string[], timeoutMs = 30_000): Promise<void> {
    const admin = await this.adminClient();
    const deadline = Date.now() + timeoutMs;
    for (let last = ''; ; await new Promise((resolve) => setTimeout(resolve, 200))) {
      try {
        const meta = await admin.fetchTopicMetadata({ topics });
        const partitions = meta.topics.flatMap((t) => t.partitions);
        if (partitions.length && partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length)) return;
        last = JSON.stringify(partitions.map((p) => ({ leader: p.leader, isr: p.isr })));
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} not led and fully replicated in ${timeoutMs} ms: ${last}`);
    }
  }

  async rawProducer(): Promise<Producer> {
    if (!this.raw) {
      this.raw = this.client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await this.raw.connect();
    }
    return this.raw;
  }

  /** A contract-suite channel on a fresh topic. */
  async channel(partitions: number): Promise<ListenerContractChannel> {
    const channelId = await this.topic(partitions);
    const base = { client: this.client, fromBeginning: true, logLevel: 'nothing' as const };
    return {
      channelId,
      deadLetterChannelId: `${channelId}.dlq`,
      listener: async (options = {}) =>
        createKafkaListener({ channelId, kafka: { ...base, groupId: options.groupId ?? uniqueNamespace('group'), ...options } }),
      deadLetterListener: async () =>
        createKafkaListener<string>({ channelId: `${channelId}.dlq`, kafka: { ...base, groupId: uniqueNamespace('dlq'), codec: textCodec } }),
      publisher: async () => createKafkaPublisher({ channelId, kafka: { client: this.client } }),
      publishRaw: async (value, options) => {
        const producer = await this.rawProducer();
        await producer.send({ topic: channelId, messages: [{ value, key: options?.key ?? null, headers: options?.headers }] });
      },
    };
  }

  /**
   * Disconnects the bed's own clients, deletes its topics, then destroys the broker sockets kafkajs
   * still holds open (now and then one survives `disconnect()`, e.g. after a broker restart), so the
   * test process can exit. Returns how many there were.
   */
  async cleanup(): Promise<number> {
    await this.raw?.disconnect().catch(() => undefined);
    if (this.admin) {
      if (this.topics.length) await this.admin.deleteTopics({ topics: this.topics.splice(0) }).catch(() => undefined);
      await this.admin.disconnect().catch(() => undefined);
    }
    const leftover = [...this.sockets].filter((s) => !s.destroyed);
    for (const socket of leftover) socket.destroy();
    this.sockets.clear();
    return leftover.length;
  }
}
