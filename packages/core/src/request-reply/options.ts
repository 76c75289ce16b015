/** Checks of request/reply options and how a kind's options are reshaped for a reply channel. */
import { invalidOption } from '../listener/invalid.js';
import { assertKey, describeType } from '../keys.js';
import type { RequestOptions } from '../request-reply.js';

/** Default `timeoutMs` of a request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Default `noResponderMs`: how long a request waits for a responder to accept it. */
export const DEFAULT_NO_RESPONDER_MS = 5_000;
const MAX_TIMER_MS = 2_147_483_647;

/** Checks a positive number of ms that a timer can wait for. */
export function readMs(value: unknown, path: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw invalidOption(path, `must be a number of ms in (0, ${MAX_TIMER_MS}], got ${typeof value === 'number' ? value : describeType(value)}`);
  }
  return value;
}

/** The top-level shape every request/reply factory takes: `{ kind, channelId, [kind]?: {...} }`. */
export interface RequestReplyShape {
  kind: string;
  channelId: string;
  kindOptions: Record<string, unknown>;
}

/** Checks `{ kind, channelId, [kind] }`; the kind's adapter checks the channel id's form. */
export function readShape(options: unknown, what: string): RequestReplyShape {
  if (options === null || typeof options !== 'object') throw invalidOption('options', `of ${what}() must be an object, got ${describeType(options)}`);
  const o = options as Record<string, unknown>;
  if (typeof o.kind !== 'string' || o.kind.length === 0) throw invalidOption('kind', 'must be a non-empty string');
  assertKey(o.channelId, 'channelId');
  const kindOptions = o[o.kind] ?? {};
  if (kindOptions === null || typeof kindOptions !== 'object') throw invalidOption(o.kind, 'must be an object');
  return { kind: o.kind, channelId: o.channelId, kindOptions: kindOptions as Record<string, unknown> };
}

/** A request's options, checked (nothing is sent when they are bad). */
export interface ResolvedRequestOptions {
  timeoutMs: number;
  noResponderMs: number;
  signal: AbortSignal | undefined;
  onProgress: ((progress: unknown) => void) | undefined;
}

/** Checks `request(msg, options)`'s options against the requester's defaults. */
export function readRequestOptions(options: RequestOptions<unknown> | undefined, defaults: { timeoutMs: number; noResponderMs: number }): ResolvedRequestOptions {
  if (options === undefined) return { ...defaults, signal: undefined, onProgress: undefined };
  if (options === null || typeof options !== 'object') throw invalidOption('options', `must be an object, got ${describeType(options)}`);
  const timeoutMs = readMs(options.timeoutMs, 'options.timeoutMs', defaults.timeoutMs);
  const noResponderMs = readMs(options.noResponderMs, 'options.noResponderMs', defaults.noResponderMs);
  const { signal, onProgress } = options;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) {
    throw invalidOption('options.signal', `must be an AbortSignal, got ${describeType(signal)}`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidOption('options.onProgress', `must be a function, got ${describeType(onProgress)}`);
  return { timeoutMs, noResponderMs, signal, onProgress: onProgress as ((progress: unknown) => void) | undefined };
}

/**
 * Options that describe one channel's consumers or payloads, not the connection: a reply channel
 * gets none of them (its frames are JSON, its group is the requester's own).
 */
const PER_CHANNEL = [
  ...['codec', 'schema', 'groupId', 'app', 'fromBeginning', 'retry'], // every kind
  ...['partitions', 'deadLetterChannel'], // memory
  ...['deadLetterTopic', 'partitionsConcurrency'], // kafka
  ...['mode', 'concurrency', 'claimIdleMs', 'maxDeliveries', 'trim', 'deleteConsumerOnClose'], // redis
];

/** The kind's options for a reply channel: the connection settings only, plus `extra`. */
export function replyChannelOptions(kindOptions: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kindOptions)) if (!PER_CHANNEL.includes(k)) out[k] = v;
  return { ...out, ...extra };
}
