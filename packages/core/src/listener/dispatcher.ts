/**
 * The delivery rules every listener shares: decode, Standard Schema check, handlers retried with
 * backoff, dead letter + `onError` when they give up. An adapter only moves bytes and offsets.
 */
import type Emittery from 'emittery';
import type { Codec } from '../codec.js';
import {
  type MotifsError,
  MotifsErrorAbandoned,
  MotifsErrorDeadLetter,
  MotifsErrorHandlerFailed,
  MotifsErrorSerialization,
  MotifsErrorValidation,
  isMotifsError,
} from '../errors.js';
import { describeType } from '../keys.js';
import type { IListenerErrorHandler, IListenerMessageHandler, ListenerEvents, MessageContext } from '../listener.js';
import { type MotifsLogger, resolveLogger } from '../logger.js';
import { isTraced, traced } from '../tracing.js';
import { ABANDONED_EVENT, type DeadLetter, type DeadLetterReason, deadLetterHeaders, defaultDeadLetterChannel } from './dead-letter.js';
import { invalidOption } from './invalid.js';
import { type ResolvedRetryPolicy, backoffMs, sleep } from './retry.js';
import { type StandardSchemaV1, validateStandard } from './schema.js';
import { type RawMessage, contextOf } from './raw-message.js';

export type { RawMessage } from './raw-message.js';

/** What became of a message: acknowledge it (`done`, `dead-lettered`) or not (`redeliver`). */
export type DispatchOutcome = 'done' | 'dead-lettered' | 'redeliver';

/** Options of a {@link MessageDispatcher}. */
export interface MessageDispatcherOptions<T> {
  channelId: string;
  deadLetterChannelId: string;
  codec: Codec;
  schema: StandardSchemaV1<unknown, T> | undefined;
  retry: ResolvedRetryPolicy;
  em: Emittery<ListenerEvents>;
  /** Writes a dead letter; a rejection means the message must not be acknowledged. */
  sendDeadLetter(letter: DeadLetter): Promise<void>;
  /**
   * The dead-letter channel of a message read from `channelId` when that is not the listener's
   * own (a pattern subscription); default `<channelId>.dlq`.
   */
  deadLetterChannelFor?: (channelId: string) => string;
  /** Called while waiting between retries (Kafka heartbeats here so the group keeps the member). */
  keepAlive?: () => Promise<void>;
  /** Injected in unit tests so retries need no real waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of the retry jitter, numbers in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** Where an error goes when there is neither an `onError` handler nor an `error` listener. */
  logger?: MotifsLogger;
}

const DONE = (): DispatchOutcome => 'done';

/** `em.emit` without ever rejecting: an event listener's bug must not break delivery. */
export function emitSafe<E, K extends keyof E & string>(em: Emittery<E>, name: K, data: E[K]): void {
  (em as unknown as Emittery<Record<string, unknown>>).emit(name, data).catch(() => undefined);
}

/**
 * Registers handlers and applies the delivery rules to one message at a time:
 * decode → validate → handlers (retried with backoff) → dead letter + `onError` when they give up.
 * Adapters acknowledge a message only when {@link process} resolves to `done` or `dead-lettered`.
 */
export class MessageDispatcher<T> {
  private readonly messageHandlers: IListenerMessageHandler<T>[] = [];
  private readonly errorHandlers: IListenerErrorHandler[] = [];
  private readonly sleepFn: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly logger: Required<MotifsLogger>;

  constructor(private readonly options: MessageDispatcherOptions<T>) {
    this.sleepFn = options.sleep ?? sleep;
    this.random = options.random ?? Math.random;
    this.logger = resolveLogger(options.logger);
  }

  /** Adds a message handler. @throws MotifsErrorValidation when `handler` is not a function */
  onMessage(handler: IListenerMessageHandler<T>): void {
    if (typeof handler !== 'function') throw invalidOption('handler', `must be a function, got ${describeType(handler)}`);
    this.messageHandlers.push(handler);
  }

  /** Adds an error handler. @throws MotifsErrorValidation when `handler` is not a function */
  onError(handler: IListenerErrorHandler): void {
    if (typeof handler !== 'function') throw invalidOption('handler', `must be a function, got ${describeType(handler)}`);
    this.errorHandlers.push(handler);
  }

  /** Whether a message handler is registered (listening without one would acknowledge messages unread). */
  get hasMessageHandlers(): boolean {
    return this.messageHandlers.length > 0;
  }

  /**
   * Throws (after reporting it) unless a message handler is registered: listening without one
   * would acknowledge messages unread.
   * @throws MotifsErrorValidation
   */
  async requireMessageHandler(): Promise<void> {
    if (this.hasMessageHandlers) return;
    const err = new MotifsErrorValidation('register an onMessage handler before listen(), or messages would be acknowledged unread', {
      issues: [{ path: ['onMessage'], message: 'required before listen()' }],
    });
    await this.reportError(err);
    throw err;
  }

  /**
   * Hands `err` to every `onError` handler and emits it as `error` on `em`. With neither, it goes
   * to the logger's `error`: an error is never dropped silently.
   */
  async reportError(err: unknown): Promise<void> {
    const { em, channelId } = this.options;
    const hasListeners = em.listenerCount('error') > 0;
    emitSafe(em, 'error', err);
    if (this.errorHandlers.length === 0 && !hasListeners) {
      const code = isMotifsError(err) ? err.code : undefined;
      this.logger.error(`listener of "${channelId}": unhandled error (register onError): ${messageOf(err)}`, { channelId, code, error: err });
      return;
    }
    for (const handler of this.errorHandlers) {
      try {
        await handler(err);
      } catch (handlerErr) {
        emitSafe(em, 'error.handler', { error: handlerErr, reported: err });
      }
    }
  }

  /**
   * Reports a message whose handler `close()` stopped waiting for: emits {@link ABANDONED_EVENT}
   * on `em`, then hands a {@link MotifsErrorAbandoned} to `onError`, so the event name, payload and
   * error code are the same on every backend.
   */
  reportAbandoned(message: { groupId: string; partition: number; offset: string; closeTimeoutMs: number; channelId?: string }): Promise<void> {
    const { em } = this.options;
    const channelId = message.channelId ?? this.options.channelId;
    const { groupId, partition, offset, closeTimeoutMs } = message;
    const error = new MotifsErrorAbandoned(
      `close() gave up on ${channelId}[${partition}]@${offset} after ${closeTimeoutMs}ms: its handler had not settled; the message was not acknowledged and will be redelivered`,
      { details: { channelId, groupId, partition, offset, closeTimeoutMs } },
    );
    emitSafe(em, ABANDONED_EVENT, { channelId, groupId, partition, offset, error });
    return this.reportError(error);
  }

  /**
   * Delivers one message. Resolves `redeliver` when it must not be acknowledged (closing, or the
   * dead-letter write failed); never rejects.
   */
  process(raw: RawMessage, signal?: AbortSignal): Promise<DispatchOutcome> {
    const { codec, schema } = this.options;
    const channelId = raw.channelId ?? this.options.channelId;
    let value: T;
    try {
      const text = raw.value === null ? 'null' : typeof raw.value === 'string' ? raw.value : raw.value.toString('utf8');
      value = codec.decode<T>(text);
    } catch (cause) {
      const err = isMotifsError(cause, 'MOTIFS_SERIALIZATION')
        ? cause
        : new MotifsErrorSerialization(`message could not be decoded: ${messageOf(cause)}`, { cause });
      addDetails(err, channelId, raw, 0);
      return this.deadLetter(raw, 'decode', err, 0);
    }
    try {
      return schema ? this.validateThenHandle(schema, value, channelId, raw, signal) : this.handleDecoded(value, channelId, raw, signal);
    } catch (err) {
      // Not async itself (a frame less per message): what would have been a rejection stays one.
      return Promise.reject(err);
    }
  }

  private async validateThenHandle(schema: StandardSchemaV1<unknown, T>, decoded: unknown, channelId: string, raw: RawMessage, signal: AbortSignal | undefined): Promise<DispatchOutcome> {
    let value: T;
    try {
      value = await validateStandard(schema, decoded);
    } catch (cause) {
      const err = isMotifsError(cause) ? cause : new MotifsErrorValidation(`schema threw: ${messageOf(cause)}`, { cause });
      addDetails(err, channelId, raw, 0);
      return this.deadLetter(raw, 'schema', err, 0);
    }
    return this.handleDecoded(value, channelId, raw, signal);
  }

  private handleDecoded(value: T, channelId: string, raw: RawMessage, signal: AbortSignal | undefined): Promise<DispatchOutcome> {
    const handlers = this.messageHandlers;
    const ctx = contextOf(channelId, raw);
    // Fast path: one handler that succeeds first time. No async frame of our own: the outcome
    // follows the handler's promise directly (one hop per message, as a hand-written loop has).
    if (handlers.length === 1) {
      const handler = handlers[0]!;
      let pending: Promise<void>;
      try {
        pending = this.handle(handler, value, ctx);
      } catch (err) {
        return this.retry(raw, value, ctx, [handler], [err], signal);
      }
      return Promise.resolve(pending).then(DONE, (err: unknown) => this.retry(raw, value, ctx, [handler], [err], signal));
    }
    return this.runHandlers(handlers, value, ctx).then((first) =>
      first.failing.length === 0 ? 'done' : this.retry(raw, value, ctx, first.failing, first.errors, signal),
    );
  }

  /**
   * One handler call, traced as `motifs:listener:handle` (its trace context carries the message's
   * traceparent); with no tracing subscriber, the handler is called directly (it may throw).
   */
  private handle(handler: IListenerMessageHandler<T>, value: T, ctx: MessageContext): Promise<void> {
    if (!isTraced('listener', 'handle')) return handler(value, ctx);
    const { channelId, partition, offset, key, attempt, traceparent } = ctx;
    return traced('listener', 'handle', { channelId, partition, offset, key, attempt, traceparent }, () => handler(value, ctx));
  }

  /** Runs `handlers` in order; returns those that threw, with their errors, in the same order. */
  private async runHandlers(
    handlers: readonly IListenerMessageHandler<T>[],
    value: T,
    ctx: MessageContext,
  ): Promise<{ failing: IListenerMessageHandler<T>[]; errors: unknown[] }> {
    const failing: IListenerMessageHandler<T>[] = [];
    const errors: unknown[] = [];
    for (const handler of handlers) {
      try {
        await this.handle(handler, value, ctx);
      } catch (err) {
        failing.push(handler);
        errors.push(err);
      }
    }
    return { failing, errors };
  }

  /** Re-runs only the handlers that failed, so one that succeeded does not see the message twice. */
  private async retry(
    raw: RawMessage,
    value: T,
    ctx: MessageContext,
    failedHandlers: IListenerMessageHandler<T>[],
    firstErrors: unknown[],
    signal: AbortSignal | undefined,
  ): Promise<DispatchOutcome> {
    const { retry: policy, em, keepAlive } = this.options;
    let failing = failedHandlers;
    let errors = firstErrors;
    for (let attempt = 2; attempt <= policy.attempts; attempt++) {
      const delayMs = backoffMs(policy, attempt - 1, this.random);
      emitSafe(em, 'retry', { channelId: ctx.channelId, partition: raw.partition, offset: raw.offset, attempt, delayMs, error: errors[0] });
      try {
        await keepAlive?.();
        await this.sleepFn(delayMs, signal);
      } catch {
        // Aborted (closing): leave the message unacknowledged so it is delivered again later.
        return 'redeliver';
      }
      if (signal?.aborted) return 'redeliver';
      // A fresh context per attempt: a handler that kept the previous one does not see it change.
      ctx = { ...ctx, attempt };
      ({ failing, errors } = await this.runHandlers(failing, value, ctx));
      if (failing.length === 0) return 'done';
    }
    const last = errors[0];
    const err = new MotifsErrorHandlerFailed(
      `handler failed ${policy.attempts} time(s) on ${ctx.channelId}[${raw.partition}]@${raw.offset}: ${messageOf(last)}`,
      { cause: last, details: { errors: errors.length > 1 ? errors.map(messageOf) : undefined } },
    );
    addDetails(err, ctx.channelId, raw, policy.attempts);
    return this.deadLetter(raw, 'handler', err, policy.attempts);
  }

  private async deadLetter(raw: RawMessage, reason: DeadLetterReason, error: MotifsError, attempts: number): Promise<DispatchOutcome> {
    const { em } = this.options;
    const channelId = raw.channelId ?? this.options.channelId;
    const deadLetterChannelId =
      channelId === this.options.channelId ? this.options.deadLetterChannelId : (this.options.deadLetterChannelFor ?? defaultDeadLetterChannel)(channelId);
    const headers = deadLetterHeaders(raw, { channelId, reason, error, attempts });
    const letter: DeadLetter = { channelId: deadLetterChannelId, value: raw.value, key: raw.key, headers, reason, error };
    error.details.deadLetterChannelId = deadLetterChannelId;
    try {
      await this.options.sendDeadLetter(letter);
    } catch (cause) {
      const dlqErr = new MotifsErrorDeadLetter(
        `could not write ${channelId}[${raw.partition}]@${raw.offset} to dead-letter channel ${deadLetterChannelId}; it will be redelivered: ${messageOf(cause)}`,
        { cause, details: { channelId, partition: raw.partition, offset: raw.offset, deadLetterChannelId, original: error } },
      );
      await this.reportError(dlqErr);
      return 'redeliver';
    }
    emitSafe(em, 'dead-letter', { channelId, deadLetterChannelId, partition: raw.partition, offset: raw.offset, reason, error });
    await this.reportError(error);
    return 'dead-lettered';
  }
}

function addDetails(err: MotifsError, channelId: string, raw: RawMessage, attempts: number): void {
  // details is a plain record on every MotifsError; adding facts keeps the caller's own ones.
  Object.assign(err.details, { channelId, partition: raw.partition, offset: raw.offset, attempts });
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'unknown error';
  }
}
