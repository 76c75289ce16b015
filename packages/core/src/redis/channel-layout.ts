/**
 * Where a Redis channel (a stream that `@motifs/listener-redis` reads and writes, and that a
 * repo's change feed appends to) lives, and how one message is laid out in a stream entry. Shared
 * by listener-redis and repo-redis, so a change written by a repo's Lua script is a message the
 * listener reads like any other.
 *
 * ```text
 * channel key = "{" namespace ":" segment "}:ch:" channelId      segment = channelId up to its first "."
 * ```
 *
 * - The hash tag is `{namespace:segment}`: every channel that starts with `contacts` (`contacts`,
 *   `contacts.changes`, `contacts.changes.dlq`) shares one Redis Cluster slot **with the repo
 *   `contacts` of the same namespace** (its keys are `{namespace:contacts}:...`). That is what lets
 *   a repo's Lua script append its change message in the same script as the write on a Cluster,
 *   and a listener dead-letter and acknowledge in one script.
 * - It never equals a repo key (repo keys continue with `rec:`, `ids`, `meta`, `idx:`, `zidx:`,
 *   `ver`, never `ch:`) nor a cacher key (those start with `motifs:cache:`). A channel id has no
 *   `:`, so `<channel key>:<suffix>` keys a channel may add never equal another channel's key.
 */
import { MotifsErrorValidation } from '../errors.js';
import { describeType } from '../keys.js';

/** Channel ids a Redis channel accepts: Kafka's topic characters, so a channel can be relayed to a topic of the same name. */
export const REDIS_CHANNEL_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,248}$/;

/** The namespace channels use when none is given (the same default as repos, so a repo and its change feed meet). */
export const DEFAULT_CHANNEL_NAMESPACE = 'motifs';

/**
 * Checks a Redis channel id.
 * @throws MotifsErrorValidation naming `what`
 */
export function assertRedisChannelId(channelId: unknown, what = 'channelId'): asserts channelId is string {
  if (typeof channelId !== 'string' || !REDIS_CHANNEL_ID_PATTERN.test(channelId)) {
    throw new MotifsErrorValidation(
      `${what} must match ${REDIS_CHANNEL_ID_PATTERN} (letters, digits, ".", "_", "-"; not starting with "."), got ${typeof channelId === 'string' ? JSON.stringify(channelId) : describeType(channelId)}`,
      { issues: [{ path: [what], message: 'not a Redis channel id' }] },
    );
  }
}

/**
 * The Redis Cluster hash tag of a channel (with braces).
 * @example
 * channelHashTag('motifs', 'contacts.changes') // '{motifs:contacts}'
 */
export function channelHashTag(namespace: string, channelId: string): string {
  const dot = channelId.indexOf('.');
  return `{${namespace}:${dot === -1 ? channelId : channelId.slice(0, dot)}}`;
}

/**
 * The stream key of a channel. Expects a namespace checked like a repo's and a checked channel id.
 * @example
 * channelStreamKey('motifs', 'contacts.changes') // '{motifs:contacts}:ch:contacts.changes'
 */
export function channelStreamKey(namespace: string, channelId: string): string {
  return `${channelHashTag(namespace, channelId)}:ch:${channelId}`;
}

/** Stream entry field names: the encoded message, its key, its headers (JSON object). */
export const STREAM_FIELD = { value: 'v', key: 'k', headers: 'h' } as const;

/** One message as a stream entry holds it. */
export interface StreamEntryMessage {
  /** The encoded message (the codec's text). */
  value: string;
  key?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/**
 * The field/value list of `XADD key * <fields>` for one message: `v` always, `k` and `h` only
 * when present.
 * @example
 * encodeStreamEntry({ value: '{"a":1}', key: 'id-1' }) // ['v', '{"a":1}', 'k', 'id-1']
 */
export function encodeStreamEntry(message: StreamEntryMessage): string[] {
  const fields: string[] = [STREAM_FIELD.value, message.value];
  if (message.key !== undefined) fields.push(STREAM_FIELD.key, message.key);
  if (message.headers !== undefined && Object.keys(message.headers).length > 0) fields.push(STREAM_FIELD.headers, JSON.stringify(message.headers));
  return fields;
}

/**
 * Reads an entry's field/value list back. Unknown fields are ignored; an entry without `v`, or
 * with headers that are not a JSON object of strings, yields `undefined` (the listener
 * dead-letters it as undecodable).
 */
export function decodeStreamEntry(fields: readonly string[]): StreamEntryMessage | undefined {
  let value: string | undefined;
  let key: string | undefined;
  let headers: Record<string, string> | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    const text = fields[i + 1]!;
    if (name === STREAM_FIELD.value) value = text;
    else if (name === STREAM_FIELD.key) key = text;
    else if (name === STREAM_FIELD.headers) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return undefined;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
      if (!Object.values(parsed).every((v) => typeof v === 'string')) return undefined;
      headers = parsed as Record<string, string>;
    }
  }
  if (value === undefined) return undefined;
  return { value, key, headers };
}

/** When a stream entry was written: the milliseconds part of its id. */
export function streamEntryTime(id: string): number | undefined {
  const ms = Number(id.slice(0, id.indexOf('-')));
  return Number.isSafeInteger(ms) ? ms : undefined;
}
