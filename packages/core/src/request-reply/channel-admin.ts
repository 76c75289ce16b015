/**
 * The per-kind channel primitives request/reply needs beyond listen and publish: make sure a reply
 * channel exists before its first reply, and delete it (with its consumer groups) on close.
 * Adapters export `createChannelAdmin(options)`; core finds it through the registry like any
 * other factory (motif `channelAdmin`).
 */
import { type AdapterLoaders, makeMotif } from '../registry.js';

/**
 * Creates, inspects and deletes channels of one kind. Adapters implement it
 * (`createChannelAdmin({ kind, channelId, [kind]: connection options })`).
 * @example
 * const admin = await makeChannelAdmin({ kind: 'memory', channelId: 'orders' });
 * await admin.deleteChannel('orders.reply.1f2e');
 */
export interface IChannelAdmin {
  /** Creates the channel when it does not exist (no-op on kinds that create channels on first use). */
  ensureChannel(channelId: string): Promise<void>;
  /**
   * Deletes the channel, its messages and its consumer groups (`groupIds`: groups to drop where a
   * kind keeps them apart from the channel). Resolves `false` when there was nothing to delete.
   */
  deleteChannel(channelId: string, options?: { groupIds?: string[] }): Promise<boolean>;
  /** Whether the channel exists. */
  hasChannel(channelId: string): Promise<boolean>;
  /** Releases the admin's connection (one it was given stays open). */
  close(): Promise<void>;
}

/**
 * Builds the channel admin of `options.kind` (same options as `makeListener`).
 * @throws MotifsErrorAdapterMissing when the kind's package has no channel admin
 */
export function makeChannelAdmin(options: { kind: string; channelId: string } & Record<string, unknown>, loaders?: AdapterLoaders): Promise<IChannelAdmin> {
  return makeMotif<IChannelAdmin>('channelAdmin', options, loaders);
}
