import {
  MotifsErrorValidation,
  REDIS_DEFAULTS,
  RedisCommandIo,
  type RedisDurabilityOptions,
  type RedisTopology,
  type RedisWriteFailure,
} from '@motifs/core/kit';
import type { Cluster, Redis } from 'ioredis';

/** How a write's failure is reported: whether repeating it is safe, and facts for the caller. */
export type WriteFailure = RedisWriteFailure;

/** Validates `commandTimeoutMs` (default: the shared Redis default) and the other positive ms options of `redis`. */
export function normalizeTimeout(value: unknown, what = 'commandTimeoutMs', fallback: number = REDIS_DEFAULTS.commandTimeoutMs): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MotifsErrorValidation(`redis.${what} must be a positive number of ms`, { issues: [{ path: ['redis', what], message: 'must be > 0' }] });
  }
  return value;
}

/**
 * Every Redis round trip of a repo goes through {@link RedisIo.run} (core's `RedisCommandIo`):
 * under the command timeout, after the connection is ready, with failures mapped to motifs errors.
 */
export class RedisIo extends RedisCommandIo<Redis> {
  constructor(
    client: Redis | Cluster,
    owned: boolean,
    timeoutMs: number,
    topology: RedisTopology = 'single',
    /** When set, every write waits for this many replicas (see {@link RedisIo.write}). */
    readonly durability?: Required<RedisDurabilityOptions>,
    /** `redis.autoPipelining`: the calls of one tick leave in one socket write (core's `TickCork`; one node or Sentinel). */
    autoPipelining = true,
  ) {
    super(client as Redis, owned, timeoutMs, topology, autoPipelining);
  }

  /**
   * The connections a key scan must visit: every master of a cluster (a repo's keys live on one,
   * but which one changes with failovers and slot migrations), else the client itself.
   */
  scanTargets(): Redis[] {
    return this.topology === 'cluster' ? (this.client as unknown as Cluster).nodes('master') : [this.client];
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
