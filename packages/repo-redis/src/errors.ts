import { mapRedisError as mapShared, mapRedisWriteError, redisWasNotSent, type MotifsError, type RedisWriteFailure } from '@motifs/core/kit';

/**
 * Turns what ioredis throws into a motifs error by the table every Redis motif shares (see the
 * README's "Errors"): a timeout → `MotifsErrorTimeout`; a lost connection or a server that cannot
 * serve now → retryable `MotifsErrorUnavailable`; refused credentials → non-retryable
 * `MotifsErrorUnavailable`; a key of another type → `MotifsErrorConflict`; any other server error →
 * non-retryable `MotifsError`. Motifs errors pass through unchanged.
 */
export function mapRedisError(err: unknown, what: string): MotifsError {
  return mapShared(err, what);
}

/** How a write's failure is reported: whether repeating it is safe, and facts for the caller (the id a create assigned). */
export type WriteFailure = RedisWriteFailure;

/**
 * Maps the failure of a call that reached the client. For a write (`write` given) that may have
 * run, a timeout or a lost connection becomes `outcomeUnknown` (the script may have run),
 * retryable only when the write is idempotent. A request ioredis refused to send, or that Redis
 * refused before running it, changed nothing and keeps a known outcome.
 */
export function mapWriteError(err: unknown, what: string, write: WriteFailure | undefined): MotifsError {
  return write ? mapRedisWriteError(err, what, write) : mapShared(err, what);
}

/** ioredis refused to send the command (no connection, offline queue off): it never left. */
export function wasNotSent(err: unknown): boolean {
  return redisWasNotSent(err);
}
