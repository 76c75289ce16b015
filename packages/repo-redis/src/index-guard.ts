import { MotifsErrorConflict } from '@motifs/core/kit';
import type { ChainableCommander } from 'ioredis';
import type { RepoContext } from './repo-context.js';

// Every instance of a repo must index the same fields, or an index would miss records. The
// write scripts check the stored list themselves; reads check it here, in the same round trip.

/**
 * Runs `add`'s reads in one MULTI after reading the stored index list, so they see the indexes
 * of that list and no other: another instance may have reindexed for other fields at any time.
 * Throws `MotifsErrorConflict` unless the list is this instance's (or nothing is stored that
 * could be indexed). Costs two more commands in the same round trip, on every query.
 */
export async function checkedReads(ctx: RepoContext, what: string, add: (tx: ChainableCommander) => unknown): Promise<unknown[]> {
  const { client } = ctx.io;
  const replies = await ctx.io.run(what, async () => {
    const tx = client.multi().hget(ctx.layout.meta, 'indexes').scard(ctx.layout.ids);
    add(tx);
    const out = await tx.exec();
    if (!out) throw new Error('Connection is closed.');
    return out;
  });
  const values = replies.map(([err, value]) => {
    if (err) throw ctx.io.fail(err, what);
    return value;
  });
  const [stored, size] = values as [string | null, number];
  const reindexing = typeof stored === 'string' && stored.startsWith('!');
  // An empty repo, or one never indexed that declares no index, has nothing indexed wrongly.
  if (stored !== ctx.declared && (reindexing || (size > 0 && !(stored === null && ctx.declared === '[]')))) throw indexMismatch(ctx, stored);
  return values.slice(2);
}

/** The conflict for a stored index list (or reindex marker) that is not this instance's. */
export function indexMismatch(ctx: RepoContext, stored: string | null): MotifsErrorConflict {
  const repo = `repo "${ctx.name}" (namespace "${ctx.namespace}")`;
  if (stored?.startsWith('!')) {
    return new MotifsErrorConflict(`${repo} is being reindexed, or a reindex() stopped half-way: retry once it has completed, or call reindex() again`, {
      details: { stored, declared: ctx.declared },
    });
  }
  return new MotifsErrorConflict(
    `${repo} holds data indexed as ${stored ?? '(unknown)'}, but this instance declares ${ctx.declared}: declare the same indexes, or call reindex() once`,
    { details: { stored, declared: ctx.declared } },
  );
}

/** After a write script refused (-1): the conflict, naming the stored list when it can be read. */
export async function writeMismatch(ctx: RepoContext): Promise<MotifsErrorConflict> {
  const stored = await ctx.io.run('meta', () => ctx.io.client.hget(ctx.layout.meta, 'indexes')).catch(() => null);
  return indexMismatch(ctx, stored);
}
