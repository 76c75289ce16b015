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

  /** `brokers`: another cluster than MOTIFS_KAFKA_BROKERS (the failover suite's own 3 nodes). */
  constructor(brokers: string[] = kafkaBrokers()) {
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

  /** Creates a fresh topic (and its `.dlq`) under a unique namespace. */
  async topic(partitions = 1): Promise<string> {
    const topic = uniqueNamespace('motifs-listener');
    const admin = await this.adminClient();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: partitions, replicationFactor: 1 },
        { topic: `${topic}.dlq`, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    this.topics.push(topic, `${topic}.dlq`);
    return topic;
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
