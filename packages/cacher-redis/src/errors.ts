import { mapRedisError, mapRedisWriteError, type MotifsError } from '@motifs/core/kit';

/**
 * Maps an ioredis or Redis reply error to a motifs error by the table every Redis motif shares
 * (see the README's "Errors"). For a `write` whose command may have run, a timeout or lost
 * connection is also `outcomeUnknown`; it stays retryable unless `idempotent` is false (`setItem`
 * with `ifAbsent`: a retry could answer `false` to the caller whose first attempt won).
 * Motifs errors pass through unchanged. Use it if you call the client directly and want the same
 * errors as the cacher's.
 * @example
 * try { await cacher.client.get(key); } catch (err) { throw toMotifsError(err); }
 */
export function toMotifsError(error: unknown, write = false, idempotent = true): MotifsError {
  return write ? mapRedisWriteError(error, undefined, { idempotent }) : mapRedisError(error);
}
