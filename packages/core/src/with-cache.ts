import type { ICacher } from './cacher.js';
import { isMotifsError } from './errors.js';
import { assertKey, normalizeExpiryMs } from './keys.js';
import { reportRepoError } from './repo/events.js';
import type { IBaseDto, IRepo } from './repo.js';

/** Options of {@link withCache}. */
export interface WithCacheOptions {
  /** How long a cached record lives (ms, or `Infinity`); also the bound on staleness when another process writes. */
  expiryMs: number;
  /** Cache key prefix; default `<repo name>/`, so keys read `contacts/<id>`. */
  keyPrefix?: string;
}

/** The three cacher methods {@link withCache} uses. */
export type WithCacheCacher = Pick<ICacher, 'getItem' | 'setItem' | 'delItem'>;

interface PendingRead {
  stale: boolean;
}

/**
 * Cache-aside around a repo: `retrieve` reads through `cacher`, `update` and `delete_` invalidate
 * the cached record; everything else goes straight to the repo. The repo is what `close()` (and
 * `await using`) closes; the cacher is left open (it is yours, and may be shared).
 *
 * A cacher failure never fails a call: `retrieve` falls back to the repo, and the error is
 * reported on the repo's `em` as an `error` event (`{ error, event: 'withCache.<method>', repo }`).
 * A read that raced with an update or delete in this process is not written back to the cache.
 * @example
 * const contacts = withCache(await makeRepo<IContact>({ kind: 'redis', name: 'contacts' }), cacher, { expiryMs: 600_000 });
 * const contact = await contacts.retrieve(id); // cache hit, or repo + cache fill
 */
export function withCache<T extends IBaseDto>(repo: IRepo<T>, cacher: WithCacheCacher, options: WithCacheOptions): IRepo<T> {
  const expiryMs = normalizeExpiryMs(options?.expiryMs);
  const prefix = options.keyPrefix ?? `${repo.name}/`;
  const keyOf = (id: string): string => `${prefix}${id}`;
  const pending = new Map<string, Set<PendingRead>>();
  const report = (method: string, error: unknown): Promise<void> => reportRepoError(repo.em, repo.name, `withCache.${method}`, error);

  const invalidate = async (id: string): Promise<void> => {
    // Reads that started before this write must not put their (older) copy back.
    for (const read of pending.get(id) ?? []) read.stale = true;
    try {
      await cacher.delItem(keyOf(id));
    } catch (error) {
      await report('delItem', error);
    }
  };

  const retrieve = async (id: string): Promise<T> => {
    assertKey(id, 'id');
    try {
      return await cacher.getItem<T>(keyOf(id));
    } catch (error) {
      if (!isMotifsError(error, 'MOTIFS_NOT_FOUND')) await report('getItem', error);
    }
    const read: PendingRead = { stale: false };
    let reads = pending.get(id);
    if (!reads) pending.set(id, (reads = new Set()));
    reads.add(read);
    try {
      const record = await repo.retrieve(id);
      if (!read.stale) {
        try {
          await cacher.setItem(keyOf(id), record, expiryMs);
        } catch (error) {
          await report('setItem', error);
        }
      }
      return record;
    } finally {
      reads.delete(read);
      if (reads.size === 0) pending.delete(id);
    }
  };

  return {
    name: repo.name,
    get em() {
      return repo.em;
    },
    findMany: (conditions, findOptions) => repo.findMany(conditions, findOptions),
    count: (conditions) => repo.count(conditions),
    create: (dto) => repo.create(dto),
    retrieve,
    async update(id, dto) {
      try {
        return await repo.update(id, dto);
      } finally {
        // Also after a failed update: a timeout may still have written.
        if (typeof id === 'string') await invalidate(id);
      }
    },
    async delete_(id) {
      try {
        return await repo.delete_(id);
      } finally {
        if (typeof id === 'string') await invalidate(id);
      }
    },
    close: () => repo.close(),
    [Symbol.asyncDispose]: () => repo.close(),
  };
}
