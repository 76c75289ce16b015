import { describeType, invalidOption } from '@motifs/core/kit';

/**
 * `redis.trim`: how a publisher keeps its stream bounded. Every {@link TRIM_EVERY_PUBLISHES}
 * publishes (and on its first one) the publisher runs one Lua script that removes the entries
 * beyond `maxLen` or older than `maxAgeMs`, but never an entry some consumer group has not read
 * yet or has pending (unless `trimUnread`).
 * @example
 * redis: { url, trim: { maxLen: 100_000, maxAgeMs: 24 * 3600_000 } }
 */
export interface RedisTrimOptions {
  /** Keep at most about this many entries (default 1_000_000; `false`: no length limit). */
  maxLen?: number | false;
  /** Remove entries older than this, in ms (default 7 days; `false`: no age limit). */
  maxAgeMs?: number | false;
  /** Also remove entries a consumer group has not read or acknowledged yet (default false). */
  trimUnread?: boolean;
}

/** {@link RedisTrimOptions} checked, with defaults applied; `0` means no limit. */
export interface ResolvedTrimPolicy {
  maxLen: number;
  maxAgeMs: number;
  trimUnread: boolean;
}

/** Defaults of `redis.trim`. */
export const TRIM_DEFAULTS = Object.freeze({ maxLen: 1_000_000, maxAgeMs: 7 * 24 * 3600_000, trimUnread: false });

/** A publisher trims on its first publish and then once every this many publishes. */
export const TRIM_EVERY_PUBLISHES = 100;

/** Most entries one trim removes for `maxLen` (a huge backlog is trimmed over several runs, never in one long script). */
export const TRIM_MAX_PER_RUN = 10_000;

/** Checks `redis.trim`. @throws MotifsErrorValidation for a bad value or an unknown key */
export function resolveTrimPolicy(value: unknown, path: string): ResolvedTrimPolicy {
  if (value === undefined) return { ...TRIM_DEFAULTS };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidOption(path, `must be an object, got ${describeType(value)}`);
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!['maxLen', 'maxAgeMs', 'trimUnread'].includes(key)) throw invalidOption(`${path}.${key}`, 'is not a trim option (maxLen, maxAgeMs, trimUnread)');
  }
  const limit = (key: 'maxLen' | 'maxAgeMs'): number => {
    const x = v[key];
    if (x === undefined) return TRIM_DEFAULTS[key];
    if (x === false) return 0;
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) throw invalidOption(`${path}.${key}`, 'must be an integer >= 1, or false for no limit');
    return x;
  };
  const trimUnread = v.trimUnread ?? TRIM_DEFAULTS.trimUnread;
  if (typeof trimUnread !== 'boolean') throw invalidOption(`${path}.trimUnread`, 'must be a boolean');
  return { maxLen: limit('maxLen'), maxAgeMs: limit('maxAgeMs'), trimUnread };
}
