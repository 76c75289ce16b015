import {
  MotifsError,
  MotifsErrorConflict,
  MotifsErrorTimeout,
  MotifsErrorUnavailable,
  asOutcomeUnknown,
  isMotifsError,
} from '../errors.js';
import { findRedisErrorRow, type RedisErrorKind, type RedisErrorRow } from './error-table.js';

const CLASSES: Record<RedisErrorKind, typeof MotifsError> = {
  timeout: MotifsErrorTimeout,
  unavailable: MotifsErrorUnavailable,
  conflict: MotifsErrorConflict,
  error: MotifsError,
};

/** Errors motifs raised before sending anything (a connection that never became ready). */
const NOT_SENT = new WeakSet<object>();

function factsOf(err: unknown): { name: string; code: string; message: string } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; code?: unknown; message?: unknown };
  return {
    name: typeof e.name === 'string' ? e.name : '',
    code: typeof e.code === 'string' ? e.code : '',
    message: typeof e.message === 'string' ? e.message : String(err),
  };
}

function rowOf(err: unknown): RedisErrorRow | undefined {
  return isMotifsError(err) ? undefined : findRedisErrorRow(factsOf(err));
}

/**
 * Maps what a Redis client throws to the motifs error a caller can act on, by the one shared table
 * (`REDIS_ERROR_TABLE`; the Redis adapters' READMEs list it): a timeout → `MotifsErrorTimeout`; a
 * connection that cannot be made or was lost, a server that cannot serve now (loading, busy,
 * failing over, read-only, out of memory) → retryable `MotifsErrorUnavailable`; refused credentials
 * → non-retryable `MotifsErrorUnavailable`; a key of another type → `MotifsErrorConflict`; any
 * other server error → non-retryable `MotifsError`. `what` names the call in the message
 * (`retrieve`, `getItem`). Motifs errors pass through unchanged.
 * @example
 * try { await client.get(key); } catch (err) { throw mapRedisError(err, 'getItem'); }
 */
export function mapRedisError(err: unknown, what?: string): MotifsError {
  if (isMotifsError(err)) return err;
  const facts = factsOf(err);
  const row = findRedisErrorRow(facts);
  const where = what ? ` (${what})` : '';
  if (!row) {
    const reply = /^[A-Z]+(?=\s|$)/.exec(facts.message)?.[0];
    return new MotifsError(`Redis failed${where}: ${facts.message}`, { cause: err, details: { ...(what && { what }), ...(reply && { reply }) } });
  }
  const m = row.match;
  const details = {
    ...(what && { what }),
    ...('reply' in m && { reply: m.reply }),
    ...('code' in m && { code: m.code }),
  };
  return new CLASSES[row.kind](`${row.message}${where}: ${facts.message}`, { cause: err, retryable: row.retryable, details });
}

/** How a write's failure is reported: whether repeating it is safe, and facts for the caller (e.g. the id a create assigned). */
export interface RedisWriteFailure {
  /** Repeating the write leaves the same state (true for a cacher's set or delete, a repo's update). */
  idempotent: boolean;
  details?: Record<string, unknown>;
}

/**
 * {@link mapRedisError} for a write. When the write may have run although it failed (a timeout, a
 * connection lost after sending, a refusal that can come half-way through a script), the error is
 * `outcomeUnknown`, and retryable only if the write is idempotent. A write the client never sent,
 * or that Redis refused before running it, keeps a known outcome.
 * @example
 * throw mapRedisWriteError(err, 'create', { idempotent: false, details: { id } });
 */
export function mapRedisWriteError(err: unknown, what: string | undefined, write: RedisWriteFailure): MotifsError {
  const mapped = mapRedisError(err, what);
  if (!isMotifsError(mapped, 'MOTIFS_UNAVAILABLE') || !mapped.retryable || mapped.outcomeUnknown) return mapped;
  if (redisWasNotSent(err) || rowOf(err)?.changedNothing) return mapped;
  return asOutcomeUnknown(mapped, { retryable: write.idempotent, details: write.details });
}

/**
 * True when the call never left the process: the client refused to send it (no connection and no
 * offline queue), or the connection never became ready ({@link waitForRedisReady}).
 */
export function redisWasNotSent(err: unknown): boolean {
  if (typeof err === 'object' && err !== null && NOT_SENT.has(err)) return true;
  const row = rowOf(err);
  return row !== undefined && 'prefix' in row.match && row.changedNothing;
}

/** Marks an error raised before anything was sent (for {@link redisWasNotSent}); returns it. */
export function markRedisNotSent<E extends object>(err: E): E {
  NOT_SENT.add(err);
  return err;
}

/**
 * For a cluster client: a `MOVED` / `ASK` reply that reached the caller (a pipeline or a
 * transaction is not redirected command by command) means the slot moved, during a failover or
 * a migration, before the node ran anything. Returns a retryable `MotifsErrorUnavailable` with a
 * known outcome, or undefined for any other error (map it with {@link mapRedisError}). The shared
 * table maps these replies as not retryable, which is right only for a plain client talking to a
 * cluster node.
 * @example
 * catch (err) { throw (topology === 'cluster' && redisClusterRedirect(err, 'create')) || mapRedisError(err, 'create'); }
 */
export function redisClusterRedirect(err: unknown, what?: string): MotifsErrorUnavailable | undefined {
  if (isMotifsError(err)) return undefined;
  const { message } = factsOf(err);
  const reply = /^(MOVED|ASK) /.exec(message)?.[1];
  if (!reply) return undefined;
  const where = what ? ` (${what})` : '';
  return markRedisNotSent(new MotifsErrorUnavailable(`Redis Cluster moved the slot, retry${where}: ${message}`, {
    cause: err,
    retryable: true,
    details: { ...(what && { what }), reply },
  }));
}
