import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { textCodec } from '@motifs/core';
import { listenerContract, uniqueNamespace } from '@motifs/test-suite';
import { MemoryChannelHub, createMemoryListener, createMemoryPublisher } from '../src/index.js';

const hub = new MemoryChannelHub();

listenerContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
  title: 'memory',
  timeouts: { waitMs: 5000 },
  async create({ partitions }) {
    const channelId = uniqueNamespace('channel');
    hub.channel(channelId, partitions);
    return {
      channelId,
      deadLetterChannelId: `${channelId}.dlq`,
      listener: async (options = {}) =>
        createMemoryListener({ channelId, memory: { hub, fromBeginning: true, groupId: options.groupId ?? uniqueNamespace('group'), ...options } }),
      deadLetterListener: async () => createMemoryListener<string>({ channelId: `${channelId}.dlq`, memory: { hub, fromBeginning: true, codec: textCodec } }),
      publisher: async () => createMemoryPublisher({ channelId, memory: { hub } }),
      publishRaw: async (value, options) => {
        hub.channel(channelId).append({ value, key: options?.key, headers: options?.headers });
      },
      patternListener: async (pattern, options = {}) =>
        createMemoryListener({ channelId: pattern, memory: { hub, fromBeginning: true, groupId: options.groupId ?? uniqueNamespace('group'), ...options } }),
      siblingPublisher: async (suffix) => createMemoryPublisher({ channelId: `${channelId}.${suffix}`, memory: { hub } }),
      deadLetterListenerOf: async (source) =>
        createMemoryListener<string>({ channelId: `${source}.dlq`, memory: { hub, fromBeginning: true, groupId: uniqueNamespace('dlq'), codec: textCodec } }),
    };
  },
  capabilities: { patterns: true },
});
