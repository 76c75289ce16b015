/** How a failing handler is retried, and how long each wait lasts (exponential, capped, full jitter). */
import { describeType } from '../keys.js';
import { invalidOption } from './invalid.js';

/** How a failing handler is retried before its message is dead-lettered. */
export interface RetryPolicy {
  /** Total tries per message, first delivery included (default 3; 1 = no retry). */
  attempts?: number;
  /** Upper bound of the wait before the first retry, in ms (default 100). */
  initialBackoffMs?: number;
  /** Each retry's upper bound is the previous one times this (default 2). */
  factor?: number;
  /** Upper bound of any one wait, in ms (default 5000). */
  maxBackoffMs?: number;
}

/** A {@link RetryPolicy} with every field filled in and checked. */
export type ResolvedRetryPolicy = Required<RetryPolicy>;

/** The retry policy used when none is given. */
export const DEFAULT_RETRY_POLICY: ResolvedRetryPolicy = Object.freeze({ attempts: 3, initialBackoffMs: 100, factor: 2, maxBackoffMs: 5000 });

/**
 * Fills in and checks a retry policy.
 * @throws MotifsErrorValidation for a non-integer or out-of-range field
 */
export function resolveRetryPolicy(policy: RetryPolicy | undefined, path = 'retry'): ResolvedRetryPolicy {
  if (policy === undefined) return DEFAULT_RETRY_POLICY;
  if (policy === null || typeof policy !== 'object') throw invalidOption(path, `must be an object, got ${describeType(policy)}`);
  const defined = Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined)) as RetryPolicy;
  const out = { ...DEFAULT_RETRY_POLICY, ...defined };
  if (!Number.isInteger(out.attempts) || out.attempts < 1 || out.attempts > 1000) throw invalidOption(`${path}.attempts`, 'must be an integer from 1 to 1000');
  for (const field of ['initialBackoffMs', 'maxBackoffMs'] as const) {
    const v = out[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalidOption(`${path}.${field}`, 'must be a finite number >= 0');
  }
  if (typeof out.factor !== 'number' || !Number.isFinite(out.factor) || out.factor < 1) throw invalidOption(`${path}.factor`, 'must be a finite number >= 1');
  return out;
}

/** The upper bound of the wait before retry number `retry` (1 = the first retry): exponential, capped. */
export function backoffCapMs(policy: ResolvedRetryPolicy, retry: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.factor ** Math.max(0, retry - 1));
}

/**
 * Wait before retry number `retry` (1 = the first retry), with full jitter: a uniformly random
 * share of the capped exponential bound, so listeners that failed together do not retry together.
 * @param random a source of numbers in [0, 1) (inject one to make waits predictable in tests)
 * @example
 * backoffMs(DEFAULT_RETRY_POLICY, 2); // somewhere in [0, 200) ms
 */
export function backoffMs(policy: ResolvedRetryPolicy, retry: number, random: () => number = Math.random): number {
  return random() * backoffCapMs(policy, retry);
}

/** Resolves after `ms`, or early (rejecting with the signal's reason) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
