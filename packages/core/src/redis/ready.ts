import { MotifsErrorTimeout, MotifsErrorUnavailable, isMotifsError } from '../errors.js';
import { mapRedisError, markRedisNotSent } from './errors.js';

/** The part of a Redis client (an ioredis `Redis` or `Cluster`) readiness needs. */
export interface RedisReadyClient {
  /** `wait` (not connected yet, lazy), `connecting`, `connect`, `ready`, `reconnecting`, `close`, `end`, ... */
  readonly status: string;
  connect(): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Options of {@link waitForRedisReady}. */
export interface WaitForRedisReadyOptions {
  /** Longest wait; then it rejects with `MotifsErrorTimeout`. Usually the motif's `commandTimeoutMs`. */
  timeoutMs: number;
  /** The call waiting, for messages (`getItem`, `retrieve`). */
  what?: string;
  /**
   * The error that took the connection down, if the caller tracks it: while the client is not
   * ready, reject at once with it instead of waiting (so calls fail fast during an outage).
   */
  downError?: unknown;
}

/** One pending wait per client, shared by every call waiting on it. */
const waits = new WeakMap<object, Promise<void>>();
const noop = (): void => {};

/**
 * Resolves once `client` is ready to take commands, connecting a lazy client (`status` `wait`).
 * Rejects, never after `timeoutMs`, with a `MotifsErrorUnavailable`: retryable when the connection
 * attempt failed (refused credentials are not retryable) or was not ready in time
 * (`MotifsErrorTimeout`), not retryable when the client was closed. Nothing is sent before the
 * client is ready, so these errors never mean a write happened. Calls waiting together share one
 * wait; a client with no offline queue therefore never piles calls up.
 * @example
 * await waitForRedisReady(client, { timeoutMs: 2000, what: 'getItem' });
 * return client.get(key);
 */
export function waitForRedisReady(client: RedisReadyClient, options: WaitForRedisReadyOptions): Promise<void> {
  const what = options.what;
  const where = what ? ` (${what})` : '';
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'end') {
    return Promise.reject(markRedisNotSent(new MotifsErrorUnavailable(`the Redis connection is closed${where}`, { retryable: false, details: { ...(what && { what }) } })));
  }
  if (options.downError !== undefined) return Promise.reject(unavailable(options.downError, what));
  if (client.status === 'wait') client.connect().catch(noop);
  let wait = waits.get(client);
  if (!wait) {
    wait = new Promise<void>((resolve, reject) => {
      const done = (): void => {
        client.off('ready', onReady);
        client.off('error', onFail);
        client.off('end', onFail);
        waits.delete(client);
      };
      const onReady = (): void => {
        done();
        resolve();
      };
      const onFail = (err?: unknown): void => {
        done();
        reject(err ?? new Error('Connection is closed.'));
      };
      client.on('ready', onReady);
      client.on('error', onFail);
      client.on('end', onFail);
    });
    wait.catch(noop);
    waits.set(client, wait);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(markRedisNotSent(new MotifsErrorTimeout(`Redis was not ready within ${options.timeoutMs} ms${where}`, { details: { ...(what && { what }) } })));
    }, options.timeoutMs);
    timer.unref?.();
  });
  const ready = wait.catch((err: unknown) => {
    throw unavailable(err, what);
  });
  return Promise.race([ready, timeout]).finally(() => clearTimeout(timer));
}

/** The error a call gets when the connection is down: the mapped cause when it says more (e.g. refused credentials). */
function unavailable(cause: unknown, what: string | undefined): MotifsErrorUnavailable {
  const mapped = mapRedisError(cause, what);
  if (isMotifsError(mapped, 'MOTIFS_UNAVAILABLE') && !mapped.outcomeUnknown) return markRedisNotSent(mapped as MotifsErrorUnavailable);
  return markRedisNotSent(new MotifsErrorUnavailable(`Redis cannot be reached${what ? ` (${what})` : ''}: ${mapped.message}`, { cause, details: mapped.details }));
}
