/**
 * One way for a Redis motif to run a round trip: after the connection is ready, bounded by the
 * command timeout, with a failure mapped to a motifs error. repo-redis and listener-redis extend it
 * with what only they need (scan targets, a blocking connection).
 */
import { type MotifsError, MotifsErrorTimeout } from '../errors.js';
import { mapRedisError, mapRedisWriteError, redisClusterRedirect, type RedisWriteFailure } from './errors.js';
import { type RedisReadyClient, waitForRedisReady } from './ready.js';
import { type CorkableClient, TickCork } from './tick-cork.js';
import type { RedisTopology } from './topology.js';

/**
 * Runs the Redis calls of one motif instance. A client motifs opened times each call out itself
 * (ioredis `commandTimeout`, no offline queue) and is first awaited until ready, so calls never
 * pile up while Redis is down; a Cluster client (which queues redirected calls) and a caller's
 * client get a timer here.
 * @example
 * const io = new RedisCommandIo(client, true, 2000, 'single');
 * const value = await io.run('getItem', () => client.get(key));
 */
export class RedisCommandIo<C extends RedisReadyClient = RedisReadyClient> {
  /** `autoPipelining` on one node or Sentinel: the calls of one tick leave in one socket write. */
  private readonly cork: TickCork | undefined;

  constructor(
    readonly client: C,
    /** Whether motifs opened the client (and so set its `commandTimeout` and closes it). */
    readonly owned: boolean,
    readonly timeoutMs: number,
    readonly topology: RedisTopology = 'single',
    /** `redis.autoPipelining`: cork the socket per tick ({@link TickCork}); a cluster client routes per node itself. */
    autoPipelining = false,
  ) {
    this.cork = autoPipelining && topology !== 'cluster' && !(client as { isCluster?: boolean }).isCluster ? new TickCork() : undefined;
  }

  /**
   * Runs one call. `write` marks a write whose lost answer leaves its outcome unknown: a timeout
   * or a dropped connection then rejects with `outcomeUnknown` (retryable only when `idempotent`).
   * @throws MotifsErrorTimeout / MotifsErrorUnavailable / what {@link fail} maps
   */
  /**
   * Whether a call may be sent straight away (a ready connection motifs opened to one node or
   * through Sentinel: the client times it out itself), pipelining it with the tick's others when
   * `autoPipelining` is on. A hot read path then issues its command at a call site of its own
   * (`if (io.direct()) return client.get(key).then(decode, failed)`) instead of through
   * {@link run}'s shared closure, which many kinds of calls make polymorphic; else use {@link run}.
   */
  direct(): boolean {
    if (!this.owned || this.topology === 'cluster' || this.client.status !== 'ready') return false;
    this.cork?.touch(this.client as CorkableClient);
    return true;
  }

  run<R>(what: string, call: () => Promise<R>, write?: RedisWriteFailure): Promise<R> {
    if (this.cork !== undefined && this.client.status === 'ready') this.cork.touch(this.client as CorkableClient);
    // The common case without an extra async frame: a ready connection motifs opened to one node
    // (or through Sentinel) times the call out itself.
    if (this.owned && this.topology !== 'cluster' && this.client.status === 'ready') {
      try {
        return call().catch((err: unknown) => Promise.reject(this.fail(err, what, write)));
      } catch (err) {
        return Promise.reject(this.fail(err, what, write));
      }
    }
    return this.runSlow(what, call, write);
  }

  private async runSlow<R>(what: string, call: () => Promise<R>, write?: RedisWriteFailure): Promise<R> {
    const started = Date.now();
    if (this.owned) {
      // Refused before sending (no connection): nothing changed, whatever the call. Checked before
      // awaiting, so a ready connection (the common case) costs no extra turn.
      if (this.client.status !== 'ready') await waitForRedisReady(this.client, { timeoutMs: this.timeoutMs, what });
      if (this.topology !== 'cluster') {
        try {
          return await call();
        } catch (err) {
          throw this.fail(err, what, write);
        }
      }
    }
    const left = Math.max(1, this.timeoutMs - (Date.now() - started));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // The call may still be sent or running: a write's outcome is unknown.
      timer = setTimeout(() => reject(new MotifsErrorTimeout(`redis did not answer ${what} within ${this.timeoutMs} ms`, {
        details: { what, ...write?.details },
        ...(write && { outcomeUnknown: true, retryable: write.idempotent }),
      })), left);
      timer.unref?.();
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (err) {
      // A caller's client may queue the call while disconnected and send it later: a write that
      // timed out may still happen, so it is outcome-unknown too.
      throw this.fail(err, what, write);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The motifs error of a failed call: on a Cluster a redirection that reached us is retryable (the slot moved). */
  fail(err: unknown, what: string, write?: RedisWriteFailure): MotifsError {
    return (this.topology === 'cluster' && redisClusterRedirect(err, what)) || (write ? mapRedisWriteError(err, what, write) : mapRedisError(err, what));
  }
}
