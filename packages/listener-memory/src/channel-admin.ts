import type { IChannelAdmin } from '@motifs/core/kit';
import type { MemoryChannelHub } from './hub.js';
import { type MemoryMotifOptions, readOptions } from './options.js';

/**
 * Creates and deletes channels of a hub: what request/reply uses for its reply channels
 * (`makeChannelAdmin({ kind: 'memory', ... })` calls it). Deleting a channel drops its messages and
 * its groups' positions.
 * @example
 * const admin = createChannelAdmin({ channelId: 'orders', memory: { hub } });
 * await admin.deleteChannel('orders.reply.1f2e');
 */
export function createChannelAdmin(options: MemoryMotifOptions): IChannelAdmin {
  const { hub } = readOptions(options);
  return new MemoryChannelAdmin(hub);
}

class MemoryChannelAdmin implements IChannelAdmin {
  constructor(private readonly hub: MemoryChannelHub) {}

  async ensureChannel(channelId: string): Promise<void> {
    this.hub.channel(channelId);
  }

  async deleteChannel(channelId: string): Promise<boolean> {
    return this.hub.delete(channelId);
  }

  async hasChannel(channelId: string): Promise<boolean> {
    return this.hub.has(channelId);
  }

  async close(): Promise<void> {}
}
