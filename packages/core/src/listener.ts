import type Emittery from 'emittery';
import { makeMotif } from './registry.js';

/**
 * Where a message came from and how often it has been tried. Handlers may ignore it: a seed-style
 * `async (msg) => {}` is a valid handler.
 */
export interface MessageContext {
  /** The channel (topic) the message was read from. */
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
}

/** Receives one decoded message. The message is acknowledged only after this resolves. */
export interface IListenerMessageHandler<T = unknown> {
  (msgObj: T, context: MessageContext): Promise<void>;
}

/** Receives errors the listener could not hand to a message handler. */
export interface IListenerErrorHandler {
  (err: unknown): Promise<void>;
}

/**
 * Observes a channel and hands typed messages to handlers.
 * (Seed interface; `close()` added so connections can be released.)
 */
export interface IListener<T = unknown> {
  channelId: string;
  em: Emittery;
  listen(): Promise<void>;
  onMessage(handler: IListenerMessageHandler<T>): void;
  onError(handler: IListenerErrorHandler): void;
  close(): Promise<void>;
}

/** Per-message publishing options. */
export interface PublishOptions {
  /** Partitioning / ordering key. */
  key?: string;
  headers?: Record<string, string>;
}

/** Sends typed messages to a channel that an {@link IListener} reads. */
export interface IPublisher<T = unknown> {
  channelId: string;
  publish(msg: T, options?: PublishOptions): Promise<void>;
  close(): Promise<void>;
}

/** Listener adapter option types by kind, extended by declaration merging in adapter packages. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ListenerKinds {}

/** Options every listener and publisher kind takes. */
export interface ListenerBaseOptions {
  /** The channel (a Kafka topic, an in-memory channel name). */
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
