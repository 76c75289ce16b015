import {
  MotifsErrorTimeout,
  MotifsErrorValidation,
  REDIS_DEFAULTS,
  redisClusterRedirect,
  type MotifsError,
  waitForRedisReady,
  type RedisDurabilityOptions,
  type RedisTopology,
} from '@motifs/core/kit';
import type { Cluster, Redis } from 'ioredis';
import { mapWriteError } from './errors.js';

/** How a write's failure is reported: whether repeating it is safe, and facts for the caller. */
export type WriteFailure = NonNullable<Parameters<typeof mapWriteError>[2]>;

/** Validates `commandTimeoutMs` (default: the shared Redis default) and the other positive ms options of `redis`. */
export function normalizeTimeout(value: unknown, what = 'commandTimeoutMs', fallback: number = REDIS_DEFAULTS.commandTimeoutMs): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MotifsErrorValidation(`redis.${what} must be a positive number of ms`, { issues: [{ path: ['redis', what], message: 'must be > 0' }] });
  }
  return value;
}

/**
 * Every Redis round trip of a repo goes through {@link RedisIo.run}: under the command timeout,
 * after the connection is ready, with failures mapped to motifs errors.
 */
export class RedisIo {
  /** The client's commands (a `Cluster` has the same command API; it routes each call by its keys' slot). */
  readonly client: Redis;

  constructor(
    client: Redis | Cluster,
    /** Whether the repo created the client (and so set its `commandTimeout` and no offline queue). */
    readonly owned: boolean,
    readonly timeoutMs: number,
    readonly topology: RedisTopology = 'single',
    /** When set, every write waits for this many replicas (see {@link RedisIo.write}). */
    readonly durability?: Required<RedisDurabilityOptions>,
  ) {
    this.client = client as Redis;
  }

  /**
   * The connections a key scan must visit: every master of a cluster (a repo's keys live on one,
   * but which one changes with failovers and slot migrations), else the client itself.
   */
  scanTargets(): Redis[] {
    return this.topology === 'cluster' ? (this.client as unknown as Cluster).nodes('master') : [this.client];
  }

  /**
   * Runs one round trip. A client the repo created enforces the timeout itself (ioredis
   * `commandTimeout`) and is first awaited until ready, so calls never pile up while Redis is
   * down; an injected one gets a timer here. `write` marks a write whose lost answer leaves its
   * outcome unknown.
   */
  async run<R>(what: string, call: () => Promise<R>, write?: WriteFailure): Promise<R> {
    const started = Date.now();
    if (this.owned) {
      // Refused before sending (no connection): nothing was changed, whatever the call.
      await waitForRedisReady(this.client, { timeoutMs: this.timeoutMs, what });
      // A single-node or Sentinel client times each call out itself (ioredis commandTimeout); a
      // cluster client has no such timeout for a call it redirects or queues, so it gets a timer.
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
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (err) {
      // An injected client may queue the call while disconnected and send it later: a write that
      // timed out may still happen, so it is outcome-unknown too.
      throw this.fail(err, what, write);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The motifs error for a failed call: on a cluster a redirection that reached us is retryable (the slot moved). */
  fail(err: unknown, what: string, write?: WriteFailure): MotifsError {
    return (this.topology === 'cluster' && redisClusterRedirect(err, what)) || mapWriteError(err, what, write);
  }

  /** Closes a client the repo created (QUIT when connected, else drop); leaves an injected one open. */
  async close(): Promise<void> {
    if (!this.owned) return;
    if (this.client.status === 'ready') {
      await this.run('close', () => this.client.quit()).catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }
}
