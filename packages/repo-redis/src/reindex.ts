import { randomUUID } from 'node:crypto';
import { MotifsErrorConflict, escapeGlob } from '@motifs/core/kit';
import { BATCH } from './record-codec.js';
import type { WriteFailure } from './redis-io.js';
import type { RepoContext } from './repo-context.js';
import { SCRIPTS, runScript } from './scripts.js';

/**
 * Rebuilds every index entry for `ctx.indexes` and stores that list as the repo's (see
 * {@link RedisRepo.reindex}). A marker in the meta hash refuses every write and indexed query of
 * every instance until the new list is stored; each step checks the marker is still its own.
 */
export async function reindex(ctx: RepoContext): Promise<number> {
  const { io, layout } = ctx;
  const { client } = io;
  const marker = `!reindex:${randomUUID()}`;
  const write: WriteFailure = { idempotent: true };
  const step = async (run: () => Promise<unknown>): Promise<number> => {
    const reply = Number(await io.run('reindex', run, write));
    if (reply === -1) {
      throw new MotifsErrorConflict(`repo "${ctx.name}" (namespace "${ctx.namespace}"): another reindex() started while this one ran; it decides the index list`, {
        details: { declared: ctx.declared },
      });
    }
    return reply;
  };
  await io.run('reindex', () => client.hset(layout.meta, 'indexes', marker), write);
  // On a cluster the repo's keys share one slot, on one master: SCAN every master, drop through the cluster client.
  for (const node of io.scanTargets()) {
    for (const kind of ['idx:', 'zidx:']) {
      const pattern = `${escapeGlob(layout.prefix + kind)}*`;
      let cursor = '0';
      do {
        const [next, keys] = await io.run('reindex', () => node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000));
        cursor = next;
        if (keys.length) await step(() => runScript(client, SCRIPTS.reindexDrop, [layout.meta, ...keys], [marker], ctx.send));
      } while (cursor !== '0');
    }
  }
  const args: string[] = [layout.prefix, marker];
  for (const field of ctx.indexes) args.push(field, JSON.stringify(field));
  const ids = await io.run('reindex', () => client.smembers(layout.ids));
  let indexed = 0;
  for (let start = 0; start < ids.length; start += BATCH) {
    const keys = ids.slice(start, start + BATCH).map((id) => layout.rec(id));
    indexed += await step(() => runScript(client, SCRIPTS.reindex, [layout.meta, ...keys], args, ctx.send));
  }
  await step(() => runScript(client, SCRIPTS.reindexDone, [layout.meta], [marker, ctx.declared], ctx.send));
  return indexed;
}
