/**
 * The publisher kit shape: a base class owning encoding, checks, tracing, typed events and the
 * close lifecycle. A transport supplies only `sendEncoded` (bytes out) and `closeTransport`.
 */
import Emittery from 'emittery';
import type { Codec } from '../codec.js';
import type { IPublisher, PublishOptions, PublisherEvents } from '../listener.js';
import { traced } from '../tracing.js';
import { emitSafe } from './dispatcher.js';
import { closedError } from './lifecycle.js';
import { assertNotChannelPattern } from './pattern.js';
import { type ListenerCommonOptions, resolveCommonOptions } from './options.js';
import { type EncodedMessage, encodeForPublish } from './publish.js';

/** What a publisher adapter passes to {@link PublisherBase}. */
export interface PublisherBaseSettings<T> {
  channelId: string;
  options: ListenerCommonOptions<T> | undefined;
  /** Where the options sit, for error messages: `kafka`, `memory`. */
  path: string;
}

/**
 * Base class of the built-in publishers.
 * @example
 * class MyPublisher<T> extends PublisherBase<T> {
 *   protected async sendEncoded({ value, key, headers }) { await transport.write(value, key, headers); }
 *   protected async closeTransport() { await transport.end(); }
 * }
 */
export abstract class PublisherBase<T = unknown> implements IPublisher<T> {
  readonly channelId: string;
  /** Typed events (see {@link PublisherEvents}). */
  readonly em = new Emittery<PublisherEvents>();
  protected readonly codec: Codec;
  protected closed = false;

  /** @throws MotifsErrorValidation when `channelId` is a pattern (contains `*`, `?` or `[`) */
  constructor(settings: PublisherBaseSettings<T>) {
    // One channel only: a pattern (`orders.*`) names many, so publishing to it is refused at make time.
    assertNotChannelPattern(settings.channelId);
    this.channelId = settings.channelId;
    this.codec = resolveCommonOptions(settings.options, settings.path).codec;
  }

  /** Sends one encoded, checked message; resolves once the channel has it. */
  protected abstract sendEncoded(message: EncodedMessage): Promise<void>;
  /** Sends or fails what is queued, then releases the transport. Called once. */
  protected abstract closeTransport(): Promise<void>;

  /**
   * Encodes and sends `msg`, traced as `motifs:publisher:publish`. Same `key`, same partition, so
   * per-key order holds. A `traceparent` (the option, or one a tracing subscriber set on the
   * trace context) travels as a header to the handler's `context.traceparent`.
   * @throws MotifsErrorSerialization when the codec rejects `msg` (nothing is sent)
   * @throws MotifsErrorValidation for a bad key, headers or traceparent
   */
  publish(msg: T, options?: PublishOptions): Promise<void> {
    // Not an async callback: one promise layer fewer per publish. traced() turns a synchronous
    // throw (closed, bad input) into a rejection, so nothing is sent and nothing throws.
    return traced('publisher', 'publish', { channelId: this.channelId, key: options?.key }, (ctx) => {
      if (this.closed) throw closedError('publisher', this.channelId);
      // A subscriber's traceparent is checked like the option: a malformed one fails the publish.
      return this.sendEncoded(encodeForPublish(this.codec, msg, options, ctx.traceparent));
    });
  }

  /** Stops accepting messages, settles the ones queued, and releases the transport. Later `publish()` calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeTransport();
    emitSafe(this.em, 'closed', { channelId: this.channelId });
  }

  /** `await using publisher = ...` closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
