import { type IChannelAdmin, sleep } from '@motifs/core/kit';
import type { Admin, Kafka as KafkaClient } from 'kafkajs';
import type { Socket } from 'node:net';
import { protocolType, toMotifsError } from './errors.js';
import { type KafkaMotifOptions, assertTopic, readOptions } from './options.js';

/**
 * Creates and deletes topics (and consumer groups): what request/reply uses for its reply topics
 * (`makeChannelAdmin({ kind: 'kafka', ... })` calls it). Takes the connection options of a
 * listener (`url`, `brokers`, `client`, `ssl`, `sasl`); a reply topic gets 1 partition and the
 * broker's default replication factor.
 * @example
 * const admin = createChannelAdmin({ channelId: 'orders', kafka: { brokers: ['127.0.0.1:9092'] } });
 * await admin.deleteChannel('orders.reply.1f2e', { groupIds: ['motifs-requester.1f2e'] });
 * await admin.close();
 */
export function createChannelAdmin(options: KafkaMotifOptions): IChannelAdmin {
  const { client, sockets } = readOptions(options);
  return new KafkaChannelAdmin(client, sockets);
}

/** How long `ensureChannel` waits for a new topic's leader, in ms. */
export const LEADER_WAIT_MS = 15_000;

class KafkaChannelAdmin implements IChannelAdmin {
  private admin: Promise<Admin> | undefined;

  constructor(
    private readonly client: KafkaClient,
    /** Sockets of a client built here (destroyed on close); undefined for an injected client. */
    private readonly sockets: Set<Socket> | undefined,
  ) {}

  private connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.client.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }

  /** Creates the topic (1 partition) and resolves once it has a leader (within `LEADER_WAIT_MS`). */
  async ensureChannel(channelId: string): Promise<void> {
    assertTopic(channelId);
    let admin: Admin;
    try {
      admin = await this.connected();
      await admin.createTopics({ topics: [{ topic: channelId, numPartitions: 1 }] });
    } catch (err) {
      if (protocolType(err) !== 'TOPIC_ALREADY_EXISTS') throw toMotifsError(err, `creating topic ${channelId}`);
      return;
    }
    // kafkajs's waitForLeaders asks one broker, which may not know the new topic yet, and gives up
    // at once: ask again until a leader is known.
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (let last: unknown; ; await sleep(100)) {
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [channelId] });
        if (meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) throw toMotifsError(last ?? new Error('no leader'), `waiting for a leader of the new topic ${channelId}`);
    }
  }

  async deleteChannel(channelId: string, options?: { groupIds?: string[] }): Promise<boolean> {
    assertTopic(channelId);
    let deleted = true;
    try {
      const admin = await this.connected();
      if (!(await admin.listTopics()).includes(channelId)) deleted = false;
      else await admin.deleteTopics({ topics: [channelId] });
      const groupIds = options?.groupIds ?? [];
      // A group that is gone (or never committed) is not an error.
      if (groupIds.length) await admin.deleteGroups(groupIds).catch(() => undefined);
    } catch (err) {
      if (protocolType(err) === 'UNKNOWN_TOPIC_OR_PARTITION') return false;
      throw toMotifsError(err, `deleting topic ${channelId}`);
    }
    return deleted;
  }

  async hasChannel(channelId: string): Promise<boolean> {
    assertTopic(channelId);
    try {
      return (await (await this.connected()).listTopics()).includes(channelId);
    } catch (err) {
      throw toMotifsError(err, `listing topics`);
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
    if (this.sockets) for (const socket of this.sockets) socket.destroy();
  }
}
