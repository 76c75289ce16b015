/**
 * The outbox relay: moves every message of one channel to another (a repo's Redis change feed to
 * a Kafka topic, say), at least once, acknowledging a source message only after the target has it.
 */
import Emittery from 'emittery';
import { MotifsErrorValidation, isMotifsError } from './errors.js';
import { describeType } from './keys.js';
import {
  type IListener,
  type IPublisher,
  type ListenOptions,
  type MakeListenerOptions,
  type MessageContext,
  type PublishOptions,
  makeListener,
  makePublisher,
} from './listener.js';
import { emitSafe } from './listener/dispatcher.js';
import { invalidOption } from './listener/invalid.js';
import { compileChannelPattern, isChannelPattern } from './listener/pattern.js';
import { closedError } from './listener/lifecycle.js';
import { type ResolvedRetryPolicy, type RetryPolicy, backoffMs, resolveRetryPolicy, sleep } from './listener/retry.js';
import { TRACEPARENT_HEADER } from './listener/traceparent.js';

/** Headers the relay adds to every forwarded message, so a consumer can tell copies of one source message apart from new ones. */
export const RELAY_HEADERS = Object.freeze({
  sourceChannel: 'motifs-relay-source',
  sourcePartition: 'motifs-relay-source-partition',
  sourceOffset: 'motifs-relay-source-offset',
});

/** Options of {@link makeRelay}. */
export interface RelayOptions<T = unknown> {
  /** The source: listener options (`{ kind, channelId, [kind]: ... }`) or a listener. Its group is where a restarted relay resumes. */
  from: MakeListenerOptions | IListener<T>;
  /** The target: publisher options or a publisher. */
  to: MakeListenerOptions | IPublisher<T>;
  /**
   * The key each message is published with (it picks the target partition, so it is what keeps
   * order). Default: the source message's own key (`ctx.key`; the record id on a repo change feed).
   */
  key?: (msg: T, ctx: MessageContext) => string | undefined;
  /**
   * How a publish that failed with a transient error (`retryable` or `outcomeUnknown`) is tried
   * again inside the relay, before the source listener's own retry policy and dead letter see the
   * failure. Default: without limit (waits of at most 5 s), so a target outage holds the stream
   * back in order instead of dead-lettering it. `attempts` defaults to `Infinity` here (the other
   * fields as in {@link RetryPolicy}); `{ attempts: 1 }` leaves every failure to the source.
   */
  publishRetry?: RetryPolicy;
}

/** Events on a relay's `em`. */
export interface RelayEvents {
  /** A message reached the target; its source message is acknowledged next. */
  forwarded: { from: string; to: string; partition: number; offset: string; key: string | undefined };
  /** A publish failed with a transient error and is tried again after `delayMs`. */
  'publish.retry': { from: string; to: string; partition: number; offset: string; attempt: number; delayMs: number; error: unknown };
  /** `close()` finished. */
  closed: { from: string; to: string };
}

/**
 * A running relay. Errors of the source (dead letters, abandoned messages) go to
 * `relay.listener.onError` / `relay.listener.em`, as for any listener.
 */
export interface IRelay<T = unknown> {
  /** The source listener (built from `from`, or the one passed). */
  readonly listener: IListener<T>;
  /** The target publisher (built from `to`, or the one passed). */
  readonly publisher: IPublisher<T>;
  /** Typed events (see {@link RelayEvents}). */
  readonly em: Emittery<RelayEvents>;
  /**
   * Joins the source's consumer group and starts forwarding; calling it again is harmless.
   * `options.signal` closes the relay (source and target) when it aborts.
   * @throws MotifsErrorAborted when the signal is already aborted (nothing starts)
   */
  start(options?: ListenOptions): Promise<void>;
  /**
   * Stops the source (waiting up to its `closeTimeoutMs` for the message in flight), then closes
   * the target. Closes both, also when they were passed in.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const OPTION_NAMES = new Set(['from', 'to', 'key', 'publishRetry']);
const UNLIMITED: ResolvedRetryPolicy = Object.freeze({ attempts: Infinity, initialBackoffMs: 100, factor: 2, maxBackoffMs: 5000 });

const isListener = (v: object): v is IListener =>
  ['listen', 'onMessage', 'close'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function');
const isPublisher = (v: object): v is IPublisher => ['publish', 'close'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function');

/** A transient failure: the same publish may succeed later (a duplicate is fine: the relay is at-least-once). */
const isTransient = (err: unknown): boolean => isMotifsError(err) && (err.retryable || err.outcomeUnknown);

function checkEnd(value: unknown, path: 'from' | 'to'): 'instance' | MakeListenerOptions {
  if (value === null || typeof value !== 'object') throw invalidOption(path, `must be ${path === 'from' ? 'listener' : 'publisher'} options or a ${path === 'from' ? 'listener' : 'publisher'}, got ${describeType(value)}`);
  if (path === 'from' ? isListener(value) : isPublisher(value)) return 'instance';
  const o = value as { kind?: unknown; channelId?: unknown };
  if (typeof o.kind !== 'string' || o.kind.length === 0) throw invalidOption(`${path}.kind`, `must be a non-empty string, got ${describeType(o.kind)}`);
  if (typeof o.channelId !== 'string' || o.channelId.length === 0) throw invalidOption(`${path}.channelId`, `must be a non-empty string, got ${describeType(o.channelId)}`);
  return value as MakeListenerOptions;
}

/**
 * Whether `to` is a channel `from` reads, on the same backend: the same channel, or one its
 * pattern matches (a relay into itself would loop forever).
 */
function readsItsOwnOutput(from: MakeListenerOptions, to: MakeListenerOptions): boolean {
  const a = from as unknown as Record<string, unknown> & { kind: string; channelId: string };
  const b = to as unknown as Record<string, unknown> & { kind: string; channelId: string };
  const nsOf = (o: Record<string, unknown>) => (o[o.kind as string] as { namespace?: unknown } | undefined)?.namespace;
  if (a.kind !== b.kind || nsOf(a) !== nsOf(b)) return false;
  if (a.channelId === b.channelId) return true;
  if (!isChannelPattern(a.channelId)) return false;
  try {
    return compileChannelPattern(a.channelId)(b.channelId);
  } catch {
    return false; // a pattern the kind refuses: makeListener says so
  }
}

/**
 * Checks relay options; nothing is built when they are wrong.
 * @throws MotifsErrorValidation
 */
function checkOptions<T>(options: unknown): { from: 'instance' | MakeListenerOptions; to: 'instance' | MakeListenerOptions; retry: ResolvedRetryPolicy } {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidOption('options', `must be an object, got ${describeType(options)}`);
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw invalidOption(name, `is not a relay option (known: ${[...OPTION_NAMES].join(', ')})`);
  }
  const o = options as RelayOptions<T>;
  const from = checkEnd(o.from, 'from');
  const to = checkEnd(o.to, 'to');
  if ((o.from as unknown) === (o.to as unknown) || (from !== 'instance' && to !== 'instance' && readsItsOwnOutput(from, to))) {
    throw new MotifsErrorValidation('to is a channel that from reads: the relay would forward every message to itself forever', {
      issues: [{ path: ['to'], message: 'a channel from reads' }],
    });
  }
  if (o.key !== undefined && typeof o.key !== 'function') throw invalidOption('key', `must be a function, got ${describeType(o.key)}`);
  return { from, to, retry: resolvePublishRetry(o.publishRetry) };
}

/** Like a listener's retry policy, but `attempts` defaults to (and may be) `Infinity`. */
function resolvePublishRetry(policy: RetryPolicy | undefined): ResolvedRetryPolicy {
  if (policy === undefined) return UNLIMITED;
  if (policy === null || typeof policy !== 'object') throw invalidOption('publishRetry', `must be an object, got ${describeType(policy)}`);
  const unlimited = policy.attempts === undefined || policy.attempts === Infinity;
  const resolved = resolveRetryPolicy({ ...UNLIMITED, ...policy, attempts: unlimited ? 1 : policy.attempts }, 'publishRetry');
  return unlimited ? { ...resolved, attempts: Infinity } : resolved;
}

/** Forwards headers as they came, less a `traceparent` that is not a W3C one (the target would refuse it). */
function forwardHeaders(ctx: MessageContext): Record<string, string> {
  const headers = { ...ctx.headers };
  if (ctx.traceparent === undefined) delete headers[TRACEPARENT_HEADER];
  headers[RELAY_HEADERS.sourceChannel] = ctx.channelId;
  headers[RELAY_HEADERS.sourcePartition] = String(ctx.partition);
  headers[RELAY_HEADERS.sourceOffset] = ctx.offset;
  return headers;
}

class Relay<T> implements IRelay<T> {
  readonly em = new Emittery<RelayEvents>();
  private readonly stopping = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(
    readonly listener: IListener<T>,
    readonly publisher: IPublisher<T>,
    private readonly keyOf: ((msg: T, ctx: MessageContext) => string | undefined) | undefined,
    private readonly retry: ResolvedRetryPolicy,
  ) {
    listener.onMessage((msg, ctx) => this.forward(msg, ctx));
    // The source closed by other hands: stop retrying, so no timer outlives it.
    listener.em.on('closed', () => this.stopping.abort());
  }

  private async forward(msg: T, ctx: MessageContext): Promise<void> {
    const key = this.keyOf ? this.keyOf(msg, ctx) : ctx.key;
    if (key !== undefined && typeof key !== 'string') throw invalidOption('key', `must return a string or undefined, got ${describeType(key)}`);
    const options: PublishOptions = { headers: forwardHeaders(ctx) };
    if (key !== undefined) options.key = key;
    const names = { from: this.listener.channelId, to: this.publisher.channelId };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.publisher.publish(msg, options);
        break;
      } catch (err) {
        if (!isTransient(err) || attempt >= this.retry.attempts) throw err;
        const delayMs = backoffMs(this.retry, attempt);
        emitSafe(this.em, 'publish.retry', { ...names, partition: ctx.partition, offset: ctx.offset, attempt: attempt + 1, delayMs, error: err });
        const stopped = await sleep(delayMs, this.stopping.signal).then(() => false, () => true);
        // Closing: never settle. The source's close() abandons the message (not acknowledged, so
        // it is redelivered on restart); throwing could dead-letter it instead.
        if (stopped) return new Promise<void>(() => undefined);
      }
    }
    emitSafe(this.em, 'forwarded', { ...names, partition: ctx.partition, offset: ctx.offset, key });
  }

  start(options?: ListenOptions): Promise<void> {
    if (this.closing) return Promise.reject(closedError('relay', this.listener.channelId));
    // The listener checks the options and closes itself on abort; the relay closes the target too.
    const started = this.listener.listen(options);
    const signal = options?.signal;
    if (signal && typeof signal.addEventListener === 'function' && !signal.aborted) {
      signal.addEventListener('abort', () => void this.close().catch(() => undefined), { once: true });
    }
    return started;
  }

  close(): Promise<void> {
    this.closing ??= this.closeBoth();
    return this.closing;
  }

  private async closeBoth(): Promise<void> {
    this.stopping.abort();
    // The source first: its in-flight publish finishes (or is abandoned) before the target closes.
    const results = await Promise.allSettled([this.listener.close()]);
    results.push(...(await Promise.allSettled([this.publisher.close()])));
    emitSafe(this.em, 'closed', { from: this.listener.channelId, to: this.publisher.channelId });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** How {@link buildRelay} turns `from` / `to` options into a listener and a publisher. */
export interface RelayFactories {
  makeListener<T>(options: MakeListenerOptions): Promise<IListener<T>>;
  makePublisher<T>(options: MakeListenerOptions): Promise<IPublisher<T>>;
}

/**
 * {@link makeRelay} with the factories that build `from` and `to` given: a package that passes
 * core its own adapter loaders (the `motifs` umbrella) builds relays through its own
 * `makeListener` / `makePublisher`.
 * @throws MotifsErrorValidation for bad options (nothing is built)
 */
export async function buildRelay<T = unknown>(options: RelayOptions<T>, factories: RelayFactories): Promise<IRelay<T>> {
  const { from, to, retry } = checkOptions<T>(options);
  const listener = from === 'instance' ? (options.from as IListener<T>) : await factories.makeListener<T>(from);
  let publisher: IPublisher<T>;
  try {
    publisher = to === 'instance' ? (options.to as IPublisher<T>) : await factories.makePublisher<T>(to);
  } catch (err) {
    if (from !== 'instance') await listener.close().catch(() => undefined);
    throw err;
  }
  return new Relay<T>(listener, publisher, options.key, retry);
}

/**
 * Builds a relay from one channel to another: each source message is published to the target
 * with its key and headers, and acknowledged only once the publish resolved (at-least-once; a
 * restarted relay resumes from the source's consumer group; per-key order holds when the source
 * delivers one message at a time). Call `start()` to begin.
 * @throws MotifsErrorValidation for bad options (nothing is built)
 * @throws what `makeListener` / `makePublisher` throw for `from` / `to`
 * @example
 * const relay = await makeRelay({
 *   from: { kind: 'redis', channelId: 'contacts.changes', redis: { url, groupId: 'relay' } },
 *   to: { kind: 'kafka', channelId: 'contacts.changes', kafka: { brokers } },
 * });
 * await relay.start();
 */
export function makeRelay<T = unknown>(options: RelayOptions<T>): Promise<IRelay<T>> {
  return buildRelay(options, { makeListener, makePublisher });
}
