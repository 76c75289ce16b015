import { MotifsError, MotifsErrorTimeout, MotifsErrorUnavailable, asOutcomeUnknown, isMotifsError } from '@motifs/core/kit';

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
// Server replies that mean "not now" rather than "never".
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN|OOM|NOREPLICAS)\b/;
const UNAVAILABLE_MESSAGES = /Connection is closed|Stream isn't writeable|Reached the max retries|connect ECONNREFUSED|Socket closed unexpectedly/i;

/**
 * Turns what ioredis throws into a motifs error: a timeout into `MotifsErrorTimeout`, a
 * connection problem or a busy/loading/read-only server into `MotifsErrorUnavailable`, any other
 * server error into a non-retryable `MotifsError`. Motifs errors pass through unchanged.
 */
export function mapRedisError(err: unknown, what: string): MotifsError {
  if (isMotifsError(err)) return err;
  const e = err as { message?: unknown; code?: unknown; name?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/Command timed out/i.test(message)) {
    return new MotifsErrorTimeout(`redis did not answer ${what} in time`, { cause: err });
  }
  if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_MESSAGES.test(message) || e?.name === 'MaxRetriesPerRequestError' || UNAVAILABLE_REPLIES.test(message)) {
    return new MotifsErrorUnavailable(`redis is unavailable for ${what}: ${message}`, { cause: err });
  }
  return new MotifsError(`redis failed ${what}: ${message}`, { cause: err, details: { redisCode: code || undefined } });
}

/** How a write's failure is reported: whether repeating it is safe, and facts for the caller (the id a create assigned). */
export interface WriteFailure {
  idempotent: boolean;
  details?: Record<string, unknown>;
}

/**
 * Maps the failure of a call that reached the client. For a write (`write` given) whose request
 * may have been sent, a timeout or a lost connection becomes `outcomeUnknown` (the script may
 * have run), retryable only when the write is idempotent. A request ioredis refused to send
 * (no connection, offline queue off) changed nothing and stays a plain retryable error.
 */
export function mapWriteError(err: unknown, what: string, write: WriteFailure | undefined): MotifsError {
  const mapped = mapRedisError(err, what);
  if (!write || !isMotifsError(mapped, 'MOTIFS_UNAVAILABLE') || !mapped.retryable || wasNotSent(err)) return mapped;
  return asOutcomeUnknown(mapped, { retryable: write.idempotent, details: write.details });
}

/** ioredis refuses to queue a command while disconnected when its offline queue is off: it never left. */
export function wasNotSent(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /Stream isn't writeable/.test(message);
}
