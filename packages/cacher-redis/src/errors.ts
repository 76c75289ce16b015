import {
  MotifsError,
  MotifsErrorConflict,
  MotifsErrorTimeout,
  MotifsErrorUnavailable,
  asOutcomeUnknown,
  isMotifsError,
} from '@motifs/core/kit';

/** Socket error codes that mean "cannot reach Redis right now". */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/** Reply prefixes Redis uses while it cannot serve for now (loading, failover, scripts, disk). */
const BUSY_REPLIES = new Set(['LOADING', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'MISCONF', 'READONLY', 'OOM']);

/** Reply prefixes about credentials: retrying the same call will not help. */
const AUTH_REPLIES = new Set(['NOAUTH', 'WRONGPASS', 'NOPERM']);

/**
 * Maps an ioredis or Redis reply error to the motifs error a caller can act on:
 * no answer in time → `MotifsErrorTimeout`; cannot connect, connection lost, server busy,
 * bad credentials → `MotifsErrorUnavailable`; a key holding another type → `MotifsErrorConflict`.
 * For a `write` whose command may have been sent, a timeout or lost connection is also
 * `outcomeUnknown`; it stays retryable, as every cacher write is idempotent (see the README).
 * Motifs errors pass through unchanged.
 */
export function toMotifsError(error: unknown, write = false): MotifsError {
  if (isMotifsError(error)) return error;
  const mapped = mapError(error);
  const message = (error as { message?: unknown } | null)?.message;
  // ioredis refuses to send while disconnected (no offline queue): such a write never left.
  const unsent = typeof message === 'string' && message.startsWith("Stream isn't writeable");
  if (write && !unsent && mapped.retryable && isMotifsError(mapped, 'MOTIFS_UNAVAILABLE')) return asOutcomeUnknown(mapped, { retryable: true });
  return mapped;
}

function mapError(error: unknown): MotifsError {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : '';
  if (message === 'Command timed out') {
    return new MotifsErrorTimeout('Redis did not answer in time', { cause: error });
  }
  if (
    e.name === 'MaxRetriesPerRequestError'
    || NETWORK_CODES.has(code)
    || message.startsWith("Stream isn't writeable")
    || message === 'Connection is closed.'
    || /connect (ECONNREFUSED|ETIMEDOUT)|ECONNRESET|EPIPE/.test(message)
  ) {
    return new MotifsErrorUnavailable(`Redis is unavailable: ${message}`, { cause: error });
  }
  if (e.name === 'ReplyError') {
    const word = message.split(' ', 1)[0] ?? '';
    if (BUSY_REPLIES.has(word)) return new MotifsErrorUnavailable(`Redis cannot serve now: ${message}`, { cause: error, details: { reply: word } });
    if (AUTH_REPLIES.has(word)) {
      return new MotifsErrorUnavailable(`Redis refused the credentials: ${message}`, { cause: error, retryable: false, details: { reply: word } });
    }
    if (word === 'WRONGTYPE') return new MotifsErrorConflict(`the key holds a value that is not a cacher entry: ${message}`, { cause: error });
  }
  return new MotifsError(`Redis error: ${message}`, { cause: error });
}
