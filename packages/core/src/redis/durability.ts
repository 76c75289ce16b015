import { MotifsErrorUnavailable } from '../errors.js';
import { mapRedisError } from './errors.js';

/**
 * `redis.durability`: after each write, wait until `replicas` replicas have it (Redis `WAIT`).
 * Redis replicates asynchronously, so without this a write acknowledged by a master that dies
 * the next moment can be lost when a replica that never received it is promoted.
 * @example
 * redis: { cluster: { nodes }, durability: { replicas: 1, timeoutMs: 500 } }
 */
export interface RedisDurabilityOptions {
  /** How many replicas must confirm each write (>= 1). */
  replicas: number;
  /**
   * Longest wait for the confirmations, in ms (> 0, below `commandTimeoutMs`). Default: half of
   * `commandTimeoutMs`, so the write itself keeps the other half.
   */
  timeoutMs?: number;
}

type Fail = (path: (string | number)[], message: string) => void;

/** Validates `redis.durability` against the command timeout; reports problems through `fail`. */
export function checkRedisDurability(value: unknown, commandTimeoutMs: number, fail: Fail): Required<RedisDurabilityOptions> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(['durability'], 'must be an object: { replicas, timeoutMs? }');
    return undefined;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.replicas !== 'number' || !Number.isSafeInteger(v.replicas) || v.replicas < 1) fail(['durability', 'replicas'], 'must be an integer >= 1');
  const timeoutMs = v.timeoutMs ?? Math.max(1, Math.floor(commandTimeoutMs / 2));
  if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs >= commandTimeoutMs) {
    fail(['durability', 'timeoutMs'], `must be an integer number of ms > 0 and below commandTimeoutMs (${commandTimeoutMs})`);
  }
  for (const key of Object.keys(v)) {
    if (key !== 'replicas' && key !== 'timeoutMs') fail(['durability', key], 'is not a durability option');
  }
  return { replicas: v.replicas as number, timeoutMs: timeoutMs as number };
}

/** The part of an ioredis pipeline {@link runRedisDurably} uses. */
export interface RedisDurablePipeline {
  call(command: string, ...args: (string | number)[]): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** A client that can open a pipeline: ioredis `Redis` or `Cluster`. */
export interface RedisPipelineClient {
  pipeline(): RedisDurablePipeline;
}

/** Facts of a write, for the error a missing confirmation raises. */
export interface RedisDurableWrite {
  /** The call, for messages (`create`, `setItem`). */
  what: string;
  /** Repeating the write leaves the same state: only then is the unconfirmed write retryable. */
  idempotent: boolean;
  details?: Record<string, unknown>;
}

/**
 * The error for a write that fewer than `wanted` replicas confirmed in time: it was applied on
 * the master and may survive or vanish (a failover may promote a replica that lacks it). So it is
 * `outcomeUnknown`, retryable only when the write is idempotent; `details` holds `acked` and `wanted`.
 */
export function redisDurabilityError(acked: number, wanted: number, write: RedisDurableWrite): MotifsErrorUnavailable {
  return new MotifsErrorUnavailable(
    `Redis applied the write (${write.what}) but only ${acked} of ${wanted} replicas confirmed it in time: it may exist, or be lost in a failover`,
    { retryable: write.idempotent, outcomeUnknown: true, details: { ...write.details, what: write.what, acked, wanted } },
  );
}

/**
 * Runs a write and a `WAIT replicas timeoutMs` in one pipeline, so both go to the connection (on a
 * Cluster, the node owning the write's slot: the pipeline's keys must share one slot) that ran the
 * write. Resolves the replies of the commands `build` added; rejects with the first command's
 * native error (map it as a write failure), or {@link redisDurabilityError} when fewer replicas
 * than wanted confirmed in time.
 * @example
 * const [[reply]] = await runRedisDurably(client, { replicas: 1, timeoutMs: 500 }, (p) => p.call('SET', key, value), { what: 'setItem', idempotent: true });
 */
export async function runRedisDurably(
  client: RedisPipelineClient,
  durability: Required<RedisDurabilityOptions>,
  build: (pipeline: RedisDurablePipeline) => void,
  write: RedisDurableWrite,
): Promise<unknown[]> {
  const pipeline = client.pipeline();
  build(pipeline);
  pipeline.call('WAIT', durability.replicas, durability.timeoutMs);
  const replies = await pipeline.exec();
  if (!replies) throw new Error('Connection is closed.');
  const values: unknown[] = [];
  for (const [err, value] of replies.slice(0, -1)) {
    if (err) throw err;
    values.push(value);
  }
  const [waitErr, acked] = replies[replies.length - 1]!;
  // The write ran but its confirmation could not be read: it may or may not be replicated.
  if (waitErr) throw redisDurabilityFailure(waitErr, durability.replicas, write);
  if (Number(acked) < durability.replicas) throw redisDurabilityError(Number(acked), durability.replicas, write);
  return values;
}

function redisDurabilityFailure(err: Error, wanted: number, write: RedisDurableWrite): MotifsErrorUnavailable {
  const mapped = mapRedisError(err, write.what);
  return new MotifsErrorUnavailable(`Redis applied the write (${write.what}) but its replication could not be confirmed: ${mapped.message}`, {
    cause: err,
    retryable: write.idempotent,
    outcomeUnknown: true,
    details: { ...write.details, what: write.what, acked: null, wanted },
  });
}
