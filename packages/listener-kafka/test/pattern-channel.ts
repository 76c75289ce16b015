import { textCodec } from '@motifs/core';
import { type ListenerContractChannel, uniqueNamespace } from '@motifs/test-suite';
import { createKafkaListener, createKafkaPublisher } from '../src/index.js';
import type { KafkaTestBed } from './helpers.js';

/**
 * Adds the pattern-subscription helpers of the listener contract to a test-bed channel: sibling
 * topics `<channelId>.<suffix>` created with the admin client, pattern listeners that look for new
 * topics every `refreshMs`, and every topic made here deleted by {@link PatternTopics.cleanup}.
 */
export class PatternTopics {
  private readonly made = new Set<string>();

  constructor(
    private readonly bed: KafkaTestBed,
    readonly refreshMs = 1000,
  ) {}

  /** Creates `topic` (one partition) and remembers it for cleanup. */
  async create(topic: string, partitions = 1): Promise<void> {
    this.made.add(topic);
    const admin = await this.bed.adminClient();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: this.bed.replicationFactor }] });
  }

  /** Remembers a topic something else creates (a dead-letter topic), for cleanup. */
  track(topic: string): void {
    this.made.add(topic);
  }

  /** `channel` with `patternListener`, `siblingPublisher` and `deadLetterListenerOf`. */
  extend(channel: ListenerContractChannel): ListenerContractChannel {
    const client = this.bed.client;
    const base = { client, fromBeginning: true, logLevel: 'nothing' as const, patternRefreshMs: this.refreshMs };
    return {
      ...channel,
      patternListener: async (pattern, options = {}) => {
        // Dead letters of matched topics land in `<topic>.dlq`: delete those too.
        const listener = createKafkaListener({ channelId: pattern, kafka: { ...base, groupId: options.groupId ?? uniqueNamespace('group'), ...options } });
        listener.em.on('dead-letter', ({ deadLetterChannelId }) => this.track(deadLetterChannelId));
        return listener;
      },
      siblingPublisher: async (suffix) => {
        const topic = `${channel.channelId}.${suffix}`;
        const publisher = createKafkaPublisher({ channelId: topic, kafka: { client } });
        await this.create(topic);
        return publisher;
      },
      deadLetterListenerOf: async (source) => {
        this.track(`${source}.dlq`);
        return createKafkaListener<string>({ channelId: `${source}.dlq`, kafka: { ...base, groupId: uniqueNamespace('dlq'), codec: textCodec } });
      },
    };
  }

  /** Deletes every topic made or tracked here. */
  async cleanup(): Promise<void> {
    if (this.made.size === 0) return;
    const admin = await this.bed.adminClient();
    const existing = new Set(await admin.listTopics().catch(() => [] as string[]));
    const topics = [...this.made].filter((t) => existing.has(t));
    this.made.clear();
    if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  }
}
