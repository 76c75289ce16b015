import { MotifsErrorValidation } from '../errors.js';
import { describeType, normalizeExpiryMs } from '../keys.js';
import { normalizeStaleMs } from './validation.js';

/**
 * The key a {@link CacheDecision} keeps its value under. A registered symbol: two installed copies
 * of @motifs/core recognise each other's decisions.
 */
export const CACHE_DECISION: unique symbol = Symbol.for('@motifs/core/cache-decision');

/** How long a `cacheable` result lives, overriding the getOrSet call's options. */
export interface CacheableOptions {
  /** Time to live in ms (`Infinity`: no expiry); default: the call's `expiryMs`. */
  expiryMs?: number;
  /** Stale window after expiry; default: the call's `staleMs`. */
  staleMs?: number;
}

/**
 * A getOrSet loader's decision about one result, made by {@link cacheable} or {@link uncacheable}.
 * Only values those functions built count: a look-alike object is cached as a plain value. The
 * value sits under a symbol key, so that `getOrSet<T>` infers `T` from the value, never from the
 * properties of a plain object the loader returns.
 */
export interface CacheDecision<T> {
  /** `'cacheable'`: store it (with `expiryMs` / `staleMs` when given); `'uncacheable'`: return it, store nothing. */
  readonly decision: 'cacheable' | 'uncacheable';
  readonly expiryMs?: number;
  readonly staleMs?: number;
  /** The loaded value. */
  readonly [CACHE_DECISION]: T;
}

function decide<T>(decision: CacheDecision<T>['decision'], value: T, expiryMs?: number, staleMs?: number): CacheDecision<T> {
  return Object.freeze({ decision, [CACHE_DECISION]: value, ...(expiryMs === undefined ? {} : { expiryMs }), ...(staleMs === undefined ? {} : { staleMs }) });
}

/**
 * Marks a getOrSet loader's result as cacheable, optionally with its own expiry and stale window
 * (for this value only; the call's options apply to what is not given).
 * @throws MotifsErrorValidation for bad options (thrown inside the loader: it reaches the callers, nothing is cached)
 * @example
 * await cacher.getOrSet('rates', async () => {
 *   const rates = await fetchRates();
 *   return cacheable(rates, { expiryMs: rates.final ? 86_400_000 : 60_000 });
 * }, { expiryMs: 60_000 });
 */
export function cacheable<T>(value: T, options?: CacheableOptions): CacheDecision<T> {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new MotifsErrorValidation(`cacheable options must be an object, got ${describeType(options)}`, {
      issues: [{ path: ['options'], message: 'must be an object' }],
    });
  }
  const expiryMs = options?.expiryMs === undefined ? undefined : normalizeExpiryMs(options.expiryMs);
  const staleMs = options?.staleMs === undefined ? undefined : normalizeStaleMs(options.staleMs);
  return decide('cacheable', value, expiryMs, staleMs);
}

/**
 * Marks a getOrSet loader's result as not to be cached: every caller waiting for this load gets it
 * (as a JSON copy, like a cached value), and nothing is stored.
 * @example
 * await cacher.getOrSet(`users/${id}`, async () => {
 *   const user = await db.users.find(id);
 *   return user ? user : uncacheable(null); // don't cache a miss of the source
 * }, { expiryMs: 60_000 });
 */
export function uncacheable<T>(value: T): CacheDecision<T> {
  return decide('uncacheable', value);
}

/** Whether `result` is a decision built by {@link cacheable} or {@link uncacheable}. */
export function isCacheDecision(result: unknown): result is CacheDecision<unknown> {
  return typeof result === 'object' && result !== null && CACHE_DECISION in result;
}

/** What getOrSet does with a loader's result: the value, whether to store it, and for how long. */
export interface ResolvedCacheDecision {
  value: unknown;
  store: boolean;
  expiryMs: number;
  staleMs: number;
}

/** Unwraps a loader's result against the call's (already validated) expiry and stale window. */
export function resolveCacheDecision(result: unknown, expiryMs: number, staleMs: number): ResolvedCacheDecision {
  if (!isCacheDecision(result)) return { value: result, store: true, expiryMs, staleMs };
  return {
    value: result[CACHE_DECISION],
    store: result.decision === 'cacheable',
    expiryMs: result.expiryMs ?? expiryMs,
    staleMs: result.staleMs ?? staleMs,
  };
}
