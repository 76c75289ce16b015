import { type IChannelAdmin, assertRedisChannelId, channelStreamKey } from '@motifs/core/kit';
import { type RedisIo, openChannelClient } from './io.js';
import { type RedisMotifOptions, type ResolvedRedisChannelOptions, readOptions } from './options.js';

/**
 * Deletes and inspects channels (streams) of one namespace: what request/reply uses for its reply
 * channels (`makeChannelAdmin({ kind: 'redis', ... })` calls it). Deleting a channel is a `DEL` of
 * its stream key, which drops its messages and its consumer groups; creating one is left to the
 * first listener (`XGROUP CREATE ... MKSTREAM`) or publish.
 * @example
 * const admin = createChannelAdmin({ channelId: 'orders', redis: { url: 'redis://127.0.0.1:6379' } });
 * await admin.deleteChannel('orders.reply.1f2e');
 * await admin.close();
 */
export function createChannelAdmin(options: RedisMotifOptions): IChannelAdmin {
  return new RedisChannelAdmin(readOptions(options));
}

class RedisChannelAdmin implements IChannelAdmin {
  private io: Promise<RedisIo> | undefined;

  constructor(private readonly settings: ResolvedRedisChannelOptions<unknown>) {}

  private connection(): Promise<RedisIo> {
    if (!this.io) {
      this.io = openChannelClient(this.settings.connection);
      this.io.catch(() => (this.io = undefined));
    }
    return this.io;
  }

  private key(channelId: string): string {
    assertRedisChannelId(channelId);
    return channelStreamKey(this.settings.namespace, channelId);
  }

  /** Streams are created by their first listener or publish: nothing to do. */
  async ensureChannel(channelId: string): Promise<void> {
    this.key(channelId);
  }

  async deleteChannel(channelId: string): Promise<boolean> {
    const key = this.key(channelId);
    const io = await this.connection();
    const removed = await io.run('deleteChannel', () => io.client.del(key), { idempotent: true, details: { channelId } });
    return removed > 0;
  }

  async hasChannel(channelId: string): Promise<boolean> {
    const key = this.key(channelId);
    const io = await this.connection();
    return (await io.run('hasChannel', () => io.client.exists(key))) > 0;
  }

  async close(): Promise<void> {
    const io = await this.io?.catch(() => undefined);
    this.io = undefined;
    await io?.close();
  }
}
