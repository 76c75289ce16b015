import type { Cluster, Redis } from 'ioredis';
import { MotifsErrorUnavailable, isMotifsError, mapRedisError } from '@motifs/core/kit';
import { CLUSTER_SLOTS } from './key-slot.js';

/** How often a listing is tried again when the cluster changed under it. */
export const CLUSTER_LISTING_ATTEMPTS = 3;

/** What a listing does with each SCAN page: its keys, and the master connection they came from. */
export type PageHandler = (node: Redis, keys: string[]) => Promise<void>;

/** Replies and client errors that mean the cluster moved under the listing (failover, slot migration). */
const CHURN = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|READONLY|MASTERDOWN)\b/;

function isChurn(error: unknown): boolean {
  if (CHURN.test(String((error as { message?: unknown })?.message ?? ''))) return true;
  const mapped = mapRedisError(error);
  // Lost or refused connections, timeouts: the node may be failing over.
  return mapped.retryable === true && (isMotifsError(mapped, 'MOTIFS_UNAVAILABLE') || isMotifsError(mapped, 'MOTIFS_TIMEOUT'));
}

/**
 * What the masters say they serve: each one's id and slot ranges, from its own `CLUSTER NODES`
 * line. Undefined unless they cover all 16384 slots between them with no slot being migrated or
 * imported (`[slot->-id]`): a master that is gone (its replica not promoted yet) leaves a hole.
 * Two equal fingerprints around a scan mean no slot changed owner while it ran.
 */
async function fingerprint(masters: Redis[]): Promise<string | undefined> {
  let covered = 0;
  let migrating = false;
  const views = await Promise.all(masters.map(async (node) => {
    const text = String(await node.call('CLUSTER', 'NODES'));
    const mine = text.split('\n').find((line) => line.split(' ')[2]?.split(',').includes('myself')) ?? '';
    const fields = mine.trim().split(' ');
    for (const range of fields.slice(8)) {
      if (range.startsWith('[')) migrating = true;
      else {
        const [from, to = from] = range.split('-').map(Number);
        covered += to! - from! + 1;
      }
    }
    return `${fields[0]}=${fields.slice(8).join(',')}`;
  }));
  return covered === CLUSTER_SLOTS && !migrating ? views.sort().join(';') : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * Walks `SCAN MATCH pattern` on every master of a Redis Cluster, handing each page to `onPage`.
 * The masters' slot ownership is read before and after: when it changed, the masters reached did
 * not cover every slot (one is gone and no replica took over yet), a slot was being migrated, or a node failed (lost connection, MOVED, CLUSTERDOWN, ...), the whole walk runs again
 * on a refreshed slot map, up to {@link CLUSTER_LISTING_ATTEMPTS} times. So a listing either saw
 * a stable cluster (no live key missed; `onPage` callers dedupe keys seen twice across attempts)
 * or rejects with a retryable `MotifsErrorUnavailable` (`details.reason: 'cluster-changing'`):
 * never a silently partial list.
 */
export async function scanClusterMasters(cluster: Cluster, pattern: string, count: number, onPage: PageHandler): Promise<void> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= CLUSTER_LISTING_ATTEMPTS; attempt++) {
    if (attempt > 1) {
      await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
      await sleep(100 * attempt);
    }
    const masters = cluster.nodes('master');
    try {
      const before = await fingerprint(masters);
      await Promise.all(masters.map((node) => scanNode(node, pattern, count, onPage)));
      const after = await fingerprint(cluster.nodes('master'));
      if (before !== undefined && before === after) return;
      lastError = new Error(before === undefined ? 'the masters reached do not serve every slot' : 'the cluster slot map changed during the listing');
    } catch (error) {
      if (!isChurn(error)) throw mapRedisError(error);
      lastError = error;
    }
  }
  throw new MotifsErrorUnavailable('Redis Cluster changed during the listing (failover or slot migration); try again', {
    retryable: true,
    cause: lastError,
    details: { reason: 'cluster-changing', attempts: CLUSTER_LISTING_ATTEMPTS },
  });
}

function scanNode(node: Redis, pattern: string, count: number, onPage: PageHandler): Promise<void> {
  return walkScan((cursor) => node.scan(cursor, 'MATCH', pattern, 'COUNT', count), (keys) => onPage(node, keys));
}

/**
 * Walks SCAN pages (`scan(cursor)` → `[next, keys]`) until the cursor is back at 0, starting each
 * non-empty page's `onPage` as it arrives (so values are fetched while the next page is asked for).
 * Settles only once every started `onPage` has: nothing of the walk runs on after it rejects.
 */
export async function walkScan(scan: (cursor: string) => Promise<[string, string[]]>, onPage: (keys: string[]) => Promise<void>): Promise<void> {
  const pages: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  let cursor = '0';
  try {
    do {
      const [next, keys] = await scan(cursor);
      cursor = next;
      if (keys.length) pages.push(onPage(keys));
    } while (cursor !== '0');
  } catch (error) {
    failure = { error };
  }
  const settled = await Promise.allSettled(pages);
  if (failure) throw failure.error;
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
