// Reads a channel's stream straight from Redis (XRANGE), as the contract's `changes` capability
// needs: the messages a repo's scripts appended, decoded by the layout listener-redis reads.
import { channelStreamKey, decodeStreamEntry } from '@motifs/core/kit';
import type { ChannelMessage } from '@motifs/test-suite';
import type { Cluster, Redis } from 'ioredis';

/** Every entry of the stream of `channelId` in `namespace`, oldest first, on a client `open` makes (and this closes). */
export async function readChannel(open: () => Redis | Cluster, namespace: string, channelId: string): Promise<ChannelMessage[]> {
  const raw = open();
  try {
    const entries = await raw.xrange(channelStreamKey(namespace, channelId), '-', '+');
    return entries.map(([id, fields]) => {
      const message = decodeStreamEntry(fields);
      if (!message) throw new Error(`stream entry ${id} of ${channelId} is not a message: ${JSON.stringify(fields)}`);
      return { key: message.key, value: message.value };
    });
  } finally {
    await raw.quit();
  }
}
