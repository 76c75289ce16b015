/**
 * What every Listener adapter shares: decoding, Standard Schema validation, retries with backoff,
 * dead-letter envelopes and handler dispatch. An adapter only moves bytes and offsets; the rules of
 * delivery live here so the memory and Kafka channels cannot drift apart.
 */
import Emittery from 'emittery';
import { type Codec, decodeJson, encodeJson } from './codec.js';
import {
  type MotifsError,
  MotifsErrorAbandoned,
  MotifsErrorDeadLetter,
  MotifsErrorHandlerFailed,
  MotifsErrorSerialization,
  MotifsErrorUnavailable,
  MotifsErrorValidation,
  isMotifsError,
  type ValidationIssue,
} from './errors.js';
import { assertKey, assertWellFormed, describeType } from './keys.js';
import type { IListenerErrorHandler, IListenerMessageHandler, MessageContext, PublishOptions } from './listener.js';

// ---------------------------------------------------------------------------------------------
// Standard Schema (https://standardschema.dev): the few types the `~standard.validate` protocol
// needs, written out so core has no dependency for them. zod, valibot, arktype... all fit.

/** The part of the Standard Schema v1 interface motifs uses. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** A Standard Schema validation outcome: a value, or issues. */
export type StandardSchemaV1Result<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaV1Issue> };

/** One Standard Schema issue. */
export interface StandardSchemaV1Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const std = (value as { '~standard'?: { validate?: unknown } } | null)?.['~standard'];
  return typeof std === 'object' && std !== null && typeof std.validate === 'function';
}

/**
 * Runs a Standard Schema validator and returns its output (which may be transformed, e.g. coerced).
 * @throws MotifsErrorValidation carrying the schema's issues
 * @example
 * const contact = await validateStandard(z.object({ id: z.string() }), JSON.parse(text));
 */
export async function validateStandard<T>(schema: StandardSchemaV1<unknown, T>, value: unknown): Promise<T> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    const issues: ValidationIssue[] = result.issues.map((issue) => ({
      path: (issue.path ?? []).map((p) => {
        const key = typeof p === 'object' && p !== null ? p.key : p;
        return typeof key === 'number' ? key : String(key);
      }),
      message: issue.message,
    }));
    const first = issues[0];
    const where = first && first.path.length ? ` at ${first.path.join('.')}` : '';
    throw new MotifsErrorValidation(`message failed its schema${where}: ${first?.message ?? 'invalid'}`, { issues });
  }
  return result.value;
}

// ---------------------------------------------------------------------------------------------
// Options shared by every listener kind.

/** How a failing handler is retried before its message is dead-lettered. */
export interface RetryPolicy {
  /** Total tries per message, first delivery included (default 3; 1 = no retry). */
  attempts?: number;
  /** Wait before the first retry, in ms (default 100). */
  initialBackoffMs?: number;
  /** Each wait is the previous one times this (default 2). */
  factor?: number;
  /** Upper bound of one wait, in ms (default 5000). */
  maxBackoffMs?: number;
}

/** A {@link RetryPolicy} with every field filled in and checked. */
export type ResolvedRetryPolicy = Required<RetryPolicy>;

/** The retry policy used when none is given. */
export const DEFAULT_RETRY_POLICY: ResolvedRetryPolicy = Object.freeze({ attempts: 3, initialBackoffMs: 100, factor: 2, maxBackoffMs: 5000 });

function invalid(path: string, message: string): MotifsErrorValidation {
  return new MotifsErrorValidation(`${path} ${message}`, { issues: [{ path: path.split('.'), message }] });
}

/**
 * Fills in and checks a retry policy.
 * @throws MotifsErrorValidation for a non-integer or out-of-range field
 */
export function resolveRetryPolicy(policy: RetryPolicy | undefined, path = 'retry'): ResolvedRetryPolicy {
  if (policy === undefined) return DEFAULT_RETRY_POLICY;
  if (policy === null || typeof policy !== 'object') throw invalid(path, `must be an object, got ${describeType(policy)}`);
  const out = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(policy) };
  if (!Number.isInteger(out.attempts) || out.attempts < 1 || out.attempts > 1000) throw invalid(`${path}.attempts`, 'must be an integer from 1 to 1000');
  for (const field of ['initialBackoffMs', 'maxBackoffMs'] as const) {
    const v = out[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`${path}.${field}`, 'must be a finite number >= 0');
  }
  if (typeof out.factor !== 'number' || !Number.isFinite(out.factor) || out.factor < 1) throw invalid(`${path}.factor`, 'must be a finite number >= 1');
  return out;
}

function stripUndefined<O extends object>(o: O): Partial<O> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<O>;
}

/** Wait before retry number `retry` (1 = the first retry): exponential, capped. */
export function backoffMs(policy: ResolvedRetryPolicy, retry: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.factor ** Math.max(0, retry - 1));
}

/** Options every listener kind takes (under its kind key, e.g. `kafka: { ... }`). */
export interface ListenerCommonOptions<T = unknown> {
  /** Consumer group: listeners sharing it split the channel's partitions and its committed position. */
  groupId?: string;
  /** Where a group with no committed position starts: the oldest message (true) or new ones only (false, default). */
  fromBeginning?: boolean;
  /** Turns message bytes (as UTF-8 text) into values; default strict JSON. */
  codec?: Codec;
  /** A Standard Schema validator (zod, valibot, ...) each decoded message must pass. */
  schema?: StandardSchemaV1<unknown, T>;
  /** Retries of a failing handler before the message is dead-lettered. */
  retry?: RetryPolicy;
  /**
   * How long `close()` waits for in-flight handlers, in ms (default 10000). A message whose handler
   * has not settled by then is abandoned: reported (`abandoned` event, `MOTIFS_ABANDONED` on
   * onError), not acknowledged, and redelivered later. `close()` then resolves within a small
   * adapter-documented bound (memory: at once; Kafka: at most 5 s more to leave the group).
   */
  closeTimeoutMs?: number;
}

/** Checks the options every listener kind shares; returns them with defaults applied. */
export function resolveCommonOptions<T>(options: ListenerCommonOptions<T> | undefined, path: string): {
  codec: Codec;
  schema: StandardSchemaV1<unknown, T> | undefined;
  retry: ResolvedRetryPolicy;
  closeTimeoutMs: number;
  fromBeginning: boolean;
} {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw invalid(path, `must be an object, got ${describeType(o)}`);
  if (o.groupId !== undefined) assertKey(o.groupId, `${path}.groupId`);
  if (o.fromBeginning !== undefined && typeof o.fromBeginning !== 'boolean') throw invalid(`${path}.fromBeginning`, 'must be a boolean');
  if (o.codec !== undefined && (typeof o.codec?.decode !== 'function' || typeof o.codec?.encode !== 'function')) {
    throw invalid(`${path}.codec`, 'must have encode() and decode() functions');
  }
  if (o.schema !== undefined && !isStandardSchema(o.schema)) throw invalid(`${path}.schema`, 'must be a Standard Schema validator (with ~standard.validate)');
  const closeTimeoutMs = o.closeTimeoutMs ?? 10_000;
  if (typeof closeTimeoutMs !== 'number' || !(closeTimeoutMs >= 0)) throw invalid(`${path}.closeTimeoutMs`, 'must be a number >= 0');
  return {
    codec: o.codec ?? jsonMessageCodec,
    schema: o.schema,
    retry: resolveRetryPolicy(o.retry, `${path}.retry`),
    closeTimeoutMs,
    fromBeginning: o.fromBeginning ?? false,
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

// ---------------------------------------------------------------------------------------------
// Publishing

/** A publish request after validation: the encoded payload plus the key and headers. */
export interface EncodedMessage {
  value: string;
  key: string | undefined;
  headers: Record<string, string> | undefined;
}

/**
 * Validates publish options and encodes the message. Bad input throws before anything is sent.
 * @throws MotifsErrorSerialization when the codec rejects `msg`
 * @throws MotifsErrorValidation for a bad key or headers
 */
export function encodeForPublish(codec: Codec, msg: unknown, options: PublishOptions | undefined): EncodedMessage {
  let key: string | undefined;
  let headers: Record<string, string> | undefined;
  if (options !== undefined) {
    if (options === null || typeof options !== 'object') throw invalid('options', `must be an object, got ${describeType(options)}`);
    if (options.key !== undefined) {
      assertKey(options.key, 'options.key');
      key = options.key;
    }
    if (options.headers !== undefined) {
      const h = options.headers;
      if (h === null || typeof h !== 'object' || Array.isArray(h)) throw invalid('options.headers', 'must be an object of strings');
      for (const [name, value] of Object.entries(h)) {
        if (typeof value !== 'string') throw invalid(`options.headers.${name}`, `must be a string, got ${describeType(value)}`);
        // Kafka carries header names and values as UTF-8: a lone surrogate would arrive as U+FFFD.
        assertWellFormed(name, 'options.headers');
        assertWellFormed(value, `options.headers.${name}`);
      }
      headers = { ...h };
    }
  }
  const value = codec.encode(msg);
  if (typeof value !== 'string') throw new MotifsErrorSerialization(`codec.encode must return a string, got ${describeType(value)}`);
  return { value, key, headers };
}

// ---------------------------------------------------------------------------------------------
// Dead letters

/** Header names on a dead-lettered message (the original headers are kept too). */
export const DEAD_LETTER_HEADERS = Object.freeze({
  error: 'motifs-dlq-error',
  code: 'motifs-dlq-error-code',
  reason: 'motifs-dlq-reason',
  sourceTopic: 'motifs-dlq-source-topic',
  partition: 'motifs-dlq-source-partition',
  offset: 'motifs-dlq-source-offset',
  attempts: 'motifs-dlq-attempts',
  failedAt: 'motifs-dlq-failed-at',
});

/** Why a message was dead-lettered. */
export type DeadLetterReason = 'handler' | 'decode' | 'schema';

/** A message on its way to the dead-letter channel: the original bytes, key and headers, plus why. */
export interface DeadLetter {
  /** The dead-letter channel (topic) to write to. */
  channelId: string;
  value: Buffer | string | null;
  key: Buffer | string | null | undefined;
  headers: Record<string, string>;
  reason: DeadLetterReason;
  error: MotifsError;
}

/** Default dead-letter channel of a channel. */
export function defaultDeadLetterChannel(channelId: string): string {
  return `${channelId}.dlq`;
}

/** Name of the `em` event for a message given up by `close()`; its payload is an {@link AbandonedMessage}. */
export const ABANDONED_EVENT = 'abandoned';

/** Payload of the {@link ABANDONED_EVENT} event. */
export interface AbandonedMessage {
  channelId: string;
  groupId: string;
  partition: number;
  offset: string;
  error: MotifsErrorAbandoned;
}

// ---------------------------------------------------------------------------------------------
// Dispatch

/** One message as a channel hands it over, before decoding. */
export interface RawMessage {
  value: Buffer | string | null;
  key?: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined;
  partition: number;
  offset: string;
  /** ms since the epoch, as a number or a decimal string (Kafka). */
  timestamp?: number | string | undefined;
}

/** What became of a message: acknowledge it (`done`, `dead-lettered`) or not (`redeliver`). */
export type DispatchOutcome = 'done' | 'dead-lettered' | 'redeliver';

/** Options of a {@link MessageDispatcher}. */
export interface MessageDispatcherOptions<T> {
  channelId: string;
  deadLetterChannelId: string;
  codec: Codec;
  schema: StandardSchemaV1<unknown, T> | undefined;
  retry: ResolvedRetryPolicy;
  em: Emittery;
  /** Writes a dead letter; a rejection means the message must not be acknowledged. */
  sendDeadLetter(letter: DeadLetter): Promise<void>;
  /** Called while waiting between retries (Kafka heartbeats here so the group keeps the member). */
  keepAlive?: () => Promise<void>;
  /** Injected in unit tests so retries need no real waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const stringOf = (v: Buffer | string | null | undefined): string | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'string' ? v : v.toString('utf8');

function headerStrings(raw: RawMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const name of Object.keys(raw)) {
    const v = raw[name];
    if (v === undefined) continue;
    // A repeated header keeps its last value, as most HTTP-style consumers expect.
    out[name] = stringOf(Array.isArray(v) ? v[v.length - 1] : v) ?? '';
  }
  return out;
}

/** Resolves after `ms`, or early (rejecting) when `signal` aborts. */
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

/** `em.emit` without ever rejecting: an event listener's bug must not break delivery. */
export function emitSafe(em: Emittery, name: string, data?: unknown): void {
  em.emit(name, data).catch(() => undefined);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'unknown error';
  }
}

function contextOf(channelId: string, raw: RawMessage): MessageContext {
  const t = raw.timestamp;
  // A plain object, so spreading or logging it shows every field.
  return {
    channelId,
    partition: raw.partition,
    offset: raw.offset,
    key: stringOf(raw.key),
    headers: headerStrings(raw.headers),
    attempt: 1,
    timestamp: t === undefined ? undefined : Number(t),
  };
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

  constructor(private readonly options: MessageDispatcherOptions<T>) {
    this.sleepFn = options.sleep ?? sleep;
  }

  /** Adds a message handler. @throws MotifsErrorValidation when `handler` is not a function */
  onMessage(handler: IListenerMessageHandler<T>): void {
    if (typeof handler !== 'function') throw invalid('handler', `must be a function, got ${describeType(handler)}`);
    this.messageHandlers.push(handler);
  }

  /** Adds an error handler. @throws MotifsErrorValidation when `handler` is not a function */
  onError(handler: IListenerErrorHandler): void {
    if (typeof handler !== 'function') throw invalid('handler', `must be a function, got ${describeType(handler)}`);
    this.errorHandlers.push(handler);
  }

  /** Whether a message handler is registered (listening without one would acknowledge messages unread). */
  get hasMessageHandlers(): boolean {
    return this.messageHandlers.length > 0;
  }

  /**
   * Throws (after reporting it) unless a message handler is registered: listening without one
   * would acknowledge messages unread. Both adapters call it first thing in `listen()`.
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
   * Hands `err` to every `onError` handler and emits it as `error` on `em`. With neither, it is
   * written to stderr: an error is never dropped silently.
   */
  async reportError(err: unknown): Promise<void> {
    const { em } = this.options;
    const hasListeners = em.listenerCount('error') > 0;
    emitSafe(em, 'error', err);
    if (this.errorHandlers.length === 0 && !hasListeners) {
      console.error('[motifs listener] unhandled error (register onError):', err);
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
   * on `em`, then hands a {@link MotifsErrorAbandoned} to `onError`. Both adapters call it, so
   * the event name, payload and error code are the same on every backend.
   */
  reportAbandoned(message: { groupId: string; partition: number; offset: string; closeTimeoutMs: number }): Promise<void> {
    const { channelId, em } = this.options;
    const { groupId, partition, offset, closeTimeoutMs } = message;
    const error = new MotifsErrorAbandoned(
      `close() gave up on ${channelId}[${partition}]@${offset} after ${closeTimeoutMs}ms: its handler had not settled; the message was not acknowledged and will be redelivered`,
      { details: { channelId, groupId, partition, offset, closeTimeoutMs } },
    );
    const payload: AbandonedMessage = { channelId, groupId, partition, offset, error };
    emitSafe(em, ABANDONED_EVENT, payload);
    return this.reportError(error);
  }

  /**
   * Delivers one message. Resolves `redeliver` when it must not be acknowledged (closing, or the
   * dead-letter write failed); never rejects.
   */
  async process(raw: RawMessage, signal?: AbortSignal): Promise<DispatchOutcome> {
    const { channelId, codec, schema } = this.options;
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
    if (schema) {
      try {
        value = await validateStandard(schema, value);
      } catch (cause) {
        const err = isMotifsError(cause) ? cause : new MotifsErrorValidation(`schema threw: ${messageOf(cause)}`, { cause });
        addDetails(err, channelId, raw, 0);
        return this.deadLetter(raw, 'schema', err, 0);
      }
    }
    const handlers = this.messageHandlers;
    const ctx = contextOf(channelId, raw);
    // Fast path: one handler that succeeds first time, no allocation beyond the context.
    if (handlers.length === 1) {
      try {
        await handlers[0]!(value, ctx);
        return 'done';
      } catch (err) {
        return this.retry(raw, value, ctx, [handlers[0]!], [err], signal);
      }
    }
    const first = await this.runHandlers(handlers, value, ctx);
    return first.failing.length === 0 ? 'done' : this.retry(raw, value, ctx, first.failing, first.errors, signal);
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
        await handler(value, ctx);
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
      const delayMs = backoffMs(policy, attempt - 1);
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
    const { channelId, deadLetterChannelId, em } = this.options;
    const headers = headerStrings(raw.headers);
    headers[DEAD_LETTER_HEADERS.error] = error.message.slice(0, 2000);
    headers[DEAD_LETTER_HEADERS.code] = String(error.code);
    headers[DEAD_LETTER_HEADERS.reason] = reason;
    headers[DEAD_LETTER_HEADERS.sourceTopic] = channelId;
    headers[DEAD_LETTER_HEADERS.partition] = String(raw.partition);
    headers[DEAD_LETTER_HEADERS.offset] = raw.offset;
    headers[DEAD_LETTER_HEADERS.attempts] = String(attempts);
    headers[DEAD_LETTER_HEADERS.failedAt] = new Date().toISOString();
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

/**
 * Wraps a start-up function so calling it twice shares one run, and its rejection (still seen by
 * callers who await) is marked handled: the seed calls `listen()` without awaiting.
 */
export function shareOnce(run: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    if (!pending) {
      pending = run();
      pending.catch(() => {
        pending = undefined; // a failed start may be tried again
      });
    }
    return pending;
  };
}

/** The error `publish()` / `listen()` throw once `close()` was called. */
export function closedError(what: string, channelId: string): MotifsError {
  return new MotifsErrorUnavailable(`${what} for "${channelId}" is closed`, { retryable: false, details: { channelId } });
}

/**
 * A fresh event manager for a listener's `em`, so adapter packages need no emittery dependency of
 * their own (and every copy of `em` comes from core's emittery).
 */
export function createEventManager(): Emittery {
  return new Emittery();
}
