/** The options every listener kind takes, their checks and defaults, and the built-in codecs. */
import { type Codec, decodeJson, encodeJson } from '../codec.js';
import { MotifsErrorSerialization } from '../errors.js';
import { assertKey, describeType } from '../keys.js';
import type { MotifsLogger } from '../logger.js';
import { invalidOption } from './invalid.js';
import { type ResolvedRetryPolicy, type RetryPolicy, resolveRetryPolicy } from './retry.js';
import { type StandardSchemaV1, isStandardSchema } from './schema.js';

/** Options every listener kind takes (under its kind key, e.g. `kafka: { ... }`). */
export interface ListenerCommonOptions<T = unknown> {
  /**
   * Consumer group: listeners sharing it split the channel's partitions and its committed position.
   * Default `<app>.<channelId>` (see `app`), so replicas of one service share the work and
   * different services each see every message.
   */
  groupId?: string;
  /**
   * This service's identity, used to name the default group. Default: the `name` of the
   * package.json nearest the entry module (`process.argv[1]`); with none, the group is
   * `motifs-<channelId>`. Ignored when `groupId` is given.
   */
  app?: string;
  /** Where a group with no committed position starts: the oldest message (true) or new ones only (false, default). */
  fromBeginning?: boolean;
  /** Turns message bytes (as UTF-8 text) into values; default strict JSON. */
  codec?: Codec;
  /** A Standard Schema validator (zod, valibot, ...) each decoded message must pass. */
  schema?: StandardSchemaV1<unknown, T>;
  /** Retries of a failing handler before the message is dead-lettered (waits use full jitter). */
  retry?: RetryPolicy;
  /**
   * How long `close()` waits for in-flight handlers, in ms (default 10000). A message whose handler
   * has not settled by then is abandoned: reported (`abandoned` event, `MOTIFS_ABANDONED` on
   * onError), not acknowledged, and redelivered later. `close()` then resolves within a small
   * adapter-documented bound (memory: at once; Kafka: at most 5 s more to leave the group).
   */
  closeTimeoutMs?: number;
  /** Where errors nobody handles and notices go (default: see `resolveLogger`). */
  logger?: MotifsLogger;
}

/** {@link ListenerCommonOptions} checked, with defaults applied. */
export interface ResolvedCommonOptions<T> {
  codec: Codec;
  schema: StandardSchemaV1<unknown, T> | undefined;
  retry: ResolvedRetryPolicy;
  closeTimeoutMs: number;
  fromBeginning: boolean;
  groupId: string | undefined;
  app: string | undefined;
  logger: MotifsLogger | undefined;
}

/** Checks the options every listener kind shares; returns them with defaults applied. */
export function resolveCommonOptions<T>(options: ListenerCommonOptions<T> | undefined, path: string): ResolvedCommonOptions<T> {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw invalidOption(path, `must be an object, got ${describeType(o)}`);
  if (o.groupId !== undefined) assertKey(o.groupId, `${path}.groupId`);
  if (o.app !== undefined) assertKey(o.app, `${path}.app`);
  if (o.fromBeginning !== undefined && typeof o.fromBeginning !== 'boolean') throw invalidOption(`${path}.fromBeginning`, 'must be a boolean');
  if (o.codec !== undefined && (typeof o.codec?.decode !== 'function' || typeof o.codec?.encode !== 'function')) {
    throw invalidOption(`${path}.codec`, 'must have encode() and decode() functions');
  }
  if (o.schema !== undefined && !isStandardSchema(o.schema)) throw invalidOption(`${path}.schema`, 'must be a Standard Schema validator (with ~standard.validate)');
  const closeTimeoutMs = o.closeTimeoutMs ?? 10_000;
  if (typeof closeTimeoutMs !== 'number' || !(closeTimeoutMs >= 0)) throw invalidOption(`${path}.closeTimeoutMs`, 'must be a number >= 0');
  if (o.logger !== undefined && (o.logger === null || typeof o.logger !== 'object' || typeof o.logger.error !== 'function' || typeof o.logger.warn !== 'function')) {
    throw invalidOption(`${path}.logger`, 'must have warn() and error() functions');
  }
  return {
    codec: o.codec ?? jsonMessageCodec,
    schema: o.schema,
    retry: resolveRetryPolicy(o.retry, `${path}.retry`),
    closeTimeoutMs,
    fromBeginning: o.fromBeginning ?? false,
    groupId: o.groupId,
    app: o.app,
    logger: o.logger,
  };
}

/** Strict JSON (rejects what would not round-trip on publish; typed error on corrupt input). */
export const jsonMessageCodec: Codec = { encode: (value) => encodeJson(value, 'message'), decode: decodeJson };

/**
 * Passes text through unchanged: read a dead-letter channel with it, where payloads may be
 * exactly the bytes that could not be decoded.
 */
export const textCodec: Codec = {
  encode: (value) => {
    if (typeof value !== 'string') throw new MotifsErrorSerialization(`textCodec encodes strings only, got ${describeType(value)}`);
    return value;
  },
  decode: <T>(text: string) => text as T,
};
