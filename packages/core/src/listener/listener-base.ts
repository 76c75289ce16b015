/**
 * The listener kit shape: a base class owning options, handler registration, typed events, the
 * `listen()` / `close()` lifecycle, logging and tracing. A transport supplies only its primitives:
 * start consuming, stop (draining within `closeTimeoutMs`), write a dead letter.
 */
import Emittery from 'emittery';
import { MotifsErrorAborted, MotifsErrorValidation } from '../errors.js';
import { describeType } from '../keys.js';
import type { IListener, IListenerErrorHandler, IListenerMessageHandler, ListenOptions, ListenerEvents } from '../listener.js';
import { type ResolvedMotifsLogger, resolveLogger } from '../logger.js';
import type { DeadLetter } from './dead-letter.js';
import { type DispatchOutcome, MessageDispatcher, type RawMessage, emitSafe } from './dispatcher.js';
import { announceDefaultGroupOnce, defaultGroupIdFor } from './group-id.js';
import { closedError, shareOnce } from './lifecycle.js';
import { type ListenerCommonOptions, resolveCommonOptions } from './options.js';
import type { ResolvedRetryPolicy } from './retry.js';

/** What a listener adapter passes to {@link ListenerBase}. */
export interface ListenerBaseSettings<T> {
  channelId: string;
  /** The adapter's options (the common ones are checked and resolved here). */
  options: ListenerCommonOptions<T> | undefined;
  /** Where the options sit, for error messages: `kafka`, `memory`. */
  path: string;
  /** The dead-letter channel, already checked by the adapter. */
  deadLetterChannelId: string;
  /**
   * A pattern listener's dead-letter channel for a message read from `channelId` (default
   * `<channelId>.dlq`); see `RawMessage.channelId`.
   */
  deadLetterChannelFor?: (channelId: string) => string;
  /** Injected in unit tests: the source of the retry jitter. */
  random?: () => number;
}

/**
 * Base class of the built-in listeners. Subclasses implement {@link startTransport},
 * {@link stopTransport} and {@link sendDeadLetter}, and hand each message to {@link deliver}.
 * @example
 * class MyListener<T> extends ListenerBase<T> {
 *   protected async startTransport() { subscribe((raw) => this.deliver(raw, this.stopping.signal)); }
 *   protected async stopTransport() { await unsubscribe(); }
 *   protected async sendDeadLetter(letter) { await write(letter); }
 * }
 */
export abstract class ListenerBase<T = unknown> implements IListener<T> {
  readonly channelId: string;
  /** Typed events (see {@link ListenerEvents}); a listener that throws does not affect delivery. */
  readonly em = new Emittery<ListenerEvents>();
  /** The consumer group this listener joins (see `groupId` and `app`). */
  readonly groupId: string;
  /** Where messages that cannot be delivered go. */
  readonly deadLetterChannelId: string;
  protected readonly dispatcher: MessageDispatcher<T>;
  protected readonly retry: ResolvedRetryPolicy;
  protected readonly closeTimeoutMs: number;
  protected readonly fromBeginning: boolean;
  protected readonly logger: ResolvedMotifsLogger;
  /** Aborts when `close()` starts: waits between retries stop, in-flight messages are not acknowledged. */
  protected readonly stopping = new AbortController();
  protected closed = false;
  private readonly groupSource: 'option' | 'package.json' | 'fallback' | undefined;
  private readonly signals: { signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(settings: ListenerBaseSettings<T>) {
    const common = resolveCommonOptions(settings.options, settings.path);
    this.channelId = settings.channelId;
    this.deadLetterChannelId = settings.deadLetterChannelId;
    this.retry = common.retry;
    this.closeTimeoutMs = common.closeTimeoutMs;
    this.fromBeginning = common.fromBeginning;
    this.logger = resolveLogger(common.logger);
    if (common.groupId !== undefined) {
      this.groupId = common.groupId;
    } else {
      const chosen = defaultGroupIdFor(this.channelId, common.app);
      this.groupId = chosen.groupId;
      this.groupSource = chosen.source;
    }
    this.dispatcher = new MessageDispatcher<T>({
      channelId: this.channelId,
      deadLetterChannelId: this.deadLetterChannelId,
      codec: common.codec,
      schema: common.schema,
      retry: common.retry,
      em: this.em,
      logger: this.logger,
      sendDeadLetter: (letter) => this.sendDeadLetter(letter),
      keepAlive: () => this.keepAlive(),
      ...(settings.deadLetterChannelFor ? { deadLetterChannelFor: settings.deadLetterChannelFor } : {}),
      ...(settings.random ? { random: settings.random } : {}),
    });
  }

  /** Joins the group and starts handing messages to {@link deliver}; throw (a motifs error) to fail `listen()`. */
  protected abstract startTransport(): Promise<void>;
  /**
   * Stops consuming, waits up to `closeTimeoutMs` for in-flight messages (reporting the rest with
   * {@link abandon}), acknowledges what finished and releases the transport. Called once.
   */
  protected abstract stopTransport(): Promise<void>;
  /** Writes a dead letter; a rejection leaves the message unacknowledged. */
  protected abstract sendDeadLetter(letter: DeadLetter): Promise<void>;
  /** Called while a failing handler waits for its retry (Kafka heartbeats here). */
  protected async keepAlive(): Promise<void> {}

  /** Adds a handler for every message; the message is acknowledged once all handlers resolved. */
  onMessage(handler: IListenerMessageHandler<T>): void {
    this.dispatcher.onMessage(handler);
  }

  /** Adds a handler for dead-lettered messages, delivery failures and transport errors. */
  onError(handler: IListenerErrorHandler): void {
    this.dispatcher.onError(handler);
  }

  /**
   * Joins the consumer group and starts delivering; calling it again is harmless. Failures are
   * also reported to `onError` / `em`, and the returned promise never causes an unhandled
   * rejection when not awaited.
   * @throws MotifsErrorValidation when no onMessage handler is registered (messages would be lost), or for bad options
   * @throws MotifsErrorAborted when `options.signal` is already aborted (nothing is started)
   */
  readonly listen = (options?: ListenOptions): Promise<void> => {
    let signal: AbortSignal | undefined;
    try {
      signal = readListenOptions(options);
      if (this.closed) throw closedError('listener', this.channelId);
      if (signal?.aborted) {
        throw new MotifsErrorAborted(`listen() on "${this.channelId}" was aborted before it started`, { cause: signal.reason, details: { channelId: this.channelId } });
      }
    } catch (err) {
      const rejected = Promise.reject(err);
      rejected.catch(() => undefined);
      return rejected;
    }
    if (signal) this.closeOn(signal);
    return this.startOnce();
  };

  private readonly startOnce = shareOnce(async () => {
    if (this.closed) throw closedError('listener', this.channelId);
    await this.dispatcher.requireMessageHandler();
    if (this.groupSource) {
      const { groupId, channelId, groupSource } = this;
      // No app identity found: two different services would split this channel, so say it louder.
      const log = groupSource === 'fallback' ? this.logger.warn : this.logger.info;
      const why = groupSource === 'fallback' ? 'no app name found: set `app` or `groupId`' : `app name from ${groupSource}; set groupId to choose another`;
      announceDefaultGroupOnce(channelId, groupId, () =>
        log(`listener of "${channelId}" joins consumer group "${groupId}" (${why})`, { channelId, groupId, source: groupSource }),
      );
    }
    try {
      await this.startTransport();
    } catch (err) {
      await this.dispatcher.reportError(err);
      throw err;
    }
    emitSafe(this.em, 'listening', { channelId: this.channelId, groupId: this.groupId });
  });

  /** Closes this listener when `signal` aborts. */
  private closeOn(signal: AbortSignal): void {
    const onAbort = () => void this.close().catch((err: unknown) => this.dispatcher.reportError(err));
    signal.addEventListener('abort', onAbort, { once: true });
    this.signals.push({ signal, onAbort });
  }

  /**
   * Stops delivering, waits (up to `closeTimeoutMs`) for in-flight handlers and leaves the group.
   * A message whose handler has not settled by then is abandoned: reported as `abandoned` on `em`
   * and as `MotifsErrorAbandoned` on onError, not acknowledged, redelivered to the group. Each
   * adapter documents how long its transport may take after that.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopping.abort();
    for (const { signal, onAbort } of this.signals.splice(0)) signal.removeEventListener('abort', onAbort);
    await this.stopTransport();
    emitSafe(this.em, 'closed', { channelId: this.channelId });
  }

  /** `await using listener = ...` closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Decodes, validates and hands one message to the handlers; acknowledge it unless `redeliver`. */
  protected deliver(raw: RawMessage, signal?: AbortSignal): Promise<DispatchOutcome> {
    return this.dispatcher.process(raw, signal);
  }

  /** Hands an error to onError / `em` (or the logger when nobody listens). */
  protected reportError(err: unknown): Promise<void> {
    return this.dispatcher.reportError(err);
  }

  /**
   * Reports the message at `partition`@`offset` as abandoned by `close()` (event + onError);
   * `channelId` names the channel it was read from when that is not the listener's own (a pattern).
   */
  protected abandon(partition: number, offset: string, channelId?: string): Promise<void> {
    return this.dispatcher.reportAbandoned({ groupId: this.groupId, partition, offset, closeTimeoutMs: this.closeTimeoutMs, ...(channelId === undefined ? {} : { channelId }) });
  }
}

function readListenOptions(options: ListenOptions | undefined): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    throw new MotifsErrorValidation(`listen() options must be an object, got ${describeType(options)}`, { issues: [{ path: ['options'], message: 'must be an object' }] });
  }
  const { signal } = options;
  if (signal === undefined) return undefined;
  if (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw new MotifsErrorValidation(`listen() options.signal must be an AbortSignal, got ${describeType(signal)}`, {
      issues: [{ path: ['options', 'signal'], message: 'must be an AbortSignal' }],
    });
  }
  return signal;
}
