import type { Cluster } from 'ioredis';
import { groupBySlot } from './key-slot.js';

/**
 * Splits keys into groups a Redis Cluster pipeline can carry: the keys of each group live on one
 * master (by the client's current slot map), sorted by slot. A call then costs one round trip per
 * master involved, never one per key, and no command spans two slots (no `CROSSSLOT`).
 */
export function groupByMaster(cluster: Cluster, keys: string[]): Map<number, string[]>[] {
  const owners = cluster as unknown as { _groupsBySlot?: unknown[]; slots: string[][] };
  const byOwner = new Map<unknown, Map<number, string[]>>();
  for (const [slot, slotKeys] of groupBySlot(keys)) {
    const owner = owners._groupsBySlot?.[slot] ?? owners.slots[slot]?.join(',');
    let group = byOwner.get(owner);
    if (!group) byOwner.set(owner, (group = new Map()));
    group.set(slot, slotKeys);
  }
  return [...byOwner.values()];
}

/** The replies of a pipeline; the first failed command fails it (its native error). */
export async function execPipeline(pipeline: { exec(): Promise<[Error | null, unknown][] | null> }): Promise<unknown[]> {
  const replies = await pipeline.exec();
  if (!replies) throw new Error('Connection is closed.');
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
