import type Emittery from 'emittery';
import type { MotifsError, MotifsErrorAbandoned } from './errors.js';
import { makeMotif } from './registry.js';

/**
 * Where a message came from and how often it has been tried. Handlers may ignore it: a one-argument
 * `async (msg) => {}` is a valid handler.
 */
export interface MessageContext {
  /** The channel (topic) the message was read from: the real channel, also for a pattern listener. */
  channelId: string;
  /** Partition within the channel (0 for single-partition channels). */
  partition: number;
  /** Offset within the partition, as a decimal string (Kafka offsets exceed 2^53). */
  offset: string;
  /** The partitioning key the publisher gave, if any. */
  key: string | undefined;
  /** Headers the publisher gave (values decoded as UTF-8). */
  headers: Record<string, string>;
  /** 1 on first delivery to this handler, 2 on its first retry, ... */
  attempt: number;
  /** When the message was written, in ms since the epoch, when the channel records it. */
  timestamp: number | undefined;
  /**
   * The W3C `traceparent` the publisher sent (`publish(msg, { traceparent })` or a tracing
   * subscriber's), when the message carries a well-formed one: continue the trace from it.
   */
  traceparent: string | undefined;
}

/** Receives one decoded message. The message is acknowledged only after this resolves. */
export interface IListenerMessageHandler<T = unknown> {
  (msgObj: T, context: MessageContext): Promise<void>;
}

/** Receives errors the listener could not hand to a message handler. */
export interface IListenerErrorHandler {
  (err: unknown): Promise<void>;
}

/** Payload of the `abandoned` event: a message whose handler `close()` stopped waiting for. */
export interface AbandonedMessage {
  channelId: string;
  groupId: string;
  partition: number;
  offset: string;
  error: MotifsErrorAbandoned;
}

/**
 * Events on a listener's `em`, by name. The first group is emitted by every listener kind; the
 * connection events (`connect` to `recovered`) by transports with a connection (Kafka).
 * @example
 * listener.em.on('abandoned', ({ partition, offset }) => log.warn(`gave up on ${partition}@${offset}`));
 */
export interface ListenerEvents {
  /** `listen()` joined the group and delivery started. */
  listening: { channelId: string; groupId: string };
  /** The partitions this member owns changed (after every join and leave in the group). */
  rebalance: { channelId: string; groupId: string; partitions: number[]; memberId?: string };
  /** A handler failed; it is tried again after `delayMs`. */
  retry: { channelId: string; partition: number; offset: string; attempt: number; delayMs: number; error: unknown };
  /** A message was written to the dead-letter channel (then `onError` receives `error`). */
  'dead-letter': { channelId: string; deadLetterChannelId: string; partition: number; offset: string; reason: 'handler' | 'decode' | 'schema'; error: MotifsError };
  /** A message `close()` gave up on (its handler had not settled); it will be redelivered. */
  abandoned: AbandonedMessage;
  /**
   * Messages removed by retention before this group read them (memory channel): the group
   * resumed at `to`, the oldest retained offset; `count` messages (`from` .. `to` - 1) were skipped.
   * Also logged as a warning: a skip is never silent.
   */
  skipped: { channelId: string; groupId: string; partition: number; from: string; to: string; count: number };
  /**
   * A pattern listener's matched channels changed (`channelId` is the pattern): `added` are the
   * channels it started reading, `channels` all it reads now.
   */
  channels: { channelId: string; groupId: string; added: string[]; channels: string[] };
  /** Every error also handed to `onError`. */
  error: unknown;
  /** An `onError` handler threw while handling `reported`. */
  'error.handler': { error: unknown; reported: unknown };
  /** `close()` finished. */
  closed: { channelId: string };
  /** The group is rebalancing (Kafka). */
  rebalancing: { channelId: string; groupId: string };
  /** The consumer connected, before joining the group (Kafka). */
  connect: { channelId: string };
  /** The consumer disconnected (Kafka). */
  disconnect: { channelId: string };
  /** The consumer stopped fetching (Kafka). */
  stop: { channelId: string };
  /** The consumer crashed; `restart` says whether the client restarts it itself (Kafka). */
  crash: { channelId: string; error: MotifsError; restart: boolean };
  /** The listener restarts a consumer its client gave up on (Kafka). */
  restart: { channelId: string };
  /** The consumer rejoined its group after a crash (Kafka). */
  reconnect: { channelId: string; groupId: string };
  /** Subscribing failed and is tried again after `waitMs` (Kafka: topic being created). */
  'subscribe.retry': { channelId: string; error: MotifsError; waitMs: number };
  /** No broker has answered for `silentMs` (Kafka). */
  unavailable: { channelId: string; groupId: string; silentMs: number };
  /** A broker answered again after `downMs` of silence (Kafka). */
  recovered: { channelId: string; groupId: string; downMs: number };
}

/** Events on a publisher's `em`, by name. */
export interface PublisherEvents {
  /** `close()` finished: every queued message was sent or failed. */
  closed: { channelId: string };
}

/** Options of `listen()`. */
export interface ListenOptions {
  /**
   * Closes the listener when it aborts (as `close()` does). Already aborted: `listen()` rejects
   * with `MotifsErrorAborted` and starts nothing.
   */
  signal?: AbortSignal;
}

/**
 * Observes a channel and hands typed messages to handlers. Close it with `close()` or `await using`.
 * @example
 * await using listener = await makeListener<Contact>({ channelId: 'contacts', kind: 'memory' });
 * listener.onMessage(async (contact, { traceparent }) => save(contact));
 * await listener.listen({ signal: AbortSignal.timeout(60_000) });
 */
export interface IListener<T = unknown> {
  channelId: string;
  /** Typed events (see {@link ListenerEvents}); a listener that throws does not affect delivery. */
  em: Emittery<ListenerEvents>;
  /**
   * Joins the consumer group and starts delivering; calling it again is harmless.
   * @throws MotifsErrorAborted when `options.signal` is already aborted
   */
  listen(options?: ListenOptions): Promise<void>;
  onMessage(handler: IListenerMessageHandler<T>): void;
  onError(handler: IListenerErrorHandler): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Per-message publishing options. */
export interface PublishOptions {
  /** Partitioning / ordering key. */
  key?: string;
  headers?: Record<string, string>;
  /**
   * W3C trace context to send with the message (header `traceparent`); the handler reads it as
   * `context.traceparent`. Without it, one a tracing subscriber set on the `publish` trace
   * context is sent. @throws MotifsErrorValidation when not a W3C traceparent
   */
  traceparent?: string;
}

/** Sends typed messages to a channel that an {@link IListener} reads. Close it with `close()` or `await using`. */
export interface IPublisher<T = unknown> {
  channelId: string;
  /** Typed events (see {@link PublisherEvents}). */
  em: Emittery<PublisherEvents>;
  publish(msg: T, options?: PublishOptions): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Listener adapter option types by kind, extended by declaration merging in adapter packages. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ListenerKinds {}

/** Options every listener and publisher kind takes. */
export interface ListenerBaseOptions {
  /**
   * The channel (a Kafka topic, an in-memory channel name). A listener's `channelId` may be a
   * pattern (`orders.*`: see the kind's README for support); a publisher's may not.
   */
  channelId: string;
}

export type ListenerOptionsFor<K extends keyof ListenerKinds & string> = ListenerBaseOptions & { kind: K } & {
  [P in K]?: ListenerKinds[K];
};

export type MakeListenerOptions = { [K in keyof ListenerKinds & string]: ListenerOptionsFor<K> }[keyof ListenerKinds & string];

/**
 * Builds a listener of the given kind, importing its adapter package on first use.
 * @example
 * const listener = await makeListener<IAlienContactCreated>({ channelId: 'mars', kind: 'kafka', kafka: { url: 'localhost:9092' } });
 */
export function makeListener<T = unknown>(options: MakeListenerOptions): Promise<IListener<T>> {
  return makeMotif<IListener<T>>('listener', options);
}

/**
 * Builds a publisher for a channel, from the same adapter package as the listener kind.
 * @example
 * const publisher = await makePublisher<IAlienContactCreated>({ channelId: 'mars', kind: 'memory' });
 */
export function makePublisher<T = unknown>(options: MakeListenerOptions): Promise<IPublisher<T>> {
  return makeMotif<IPublisher<T>>('publisher', options);
}
