import { type EncodedMessage, PublisherBase, channelStreamKey, encodeStreamEntry, runRedisDurably, type RedisDurabilityOptions } from '@motifs/core/kit';
import { type RedisIo, openChannelClient } from './io.js';
import { type RedisMotifOptions, type ResolvedRedisChannelOptions, readOptions } from './options.js';
import { TRIM_SCRIPT } from './scripts.js';
import { TRIM_EVERY_PUBLISHES, TRIM_MAX_PER_RUN, type ResolvedTrimPolicy } from './trim-policy.js';

/**
 * Publishes to a Redis stream (XADD with the entry layout every motifs stream uses: `v` the
 * encoded message, `k` its key, `h` its headers). Concurrent publishes are pipelined on the one
 * connection (sent without waiting for earlier answers); the stream is trimmed by `redis.trim` every {@link TRIM_EVERY_PUBLISHES}
 * publishes, never removing entries a consumer group still needs unless `trimUnread`.
 */
export class RedisPublisher<T = unknown> extends PublisherBase<T> {
  /** The stream key (see the README's key layout). */
  readonly streamKey: string;
  /** The trimming policy in force (`redis.trim` with defaults applied). */
  readonly trimPolicy: ResolvedTrimPolicy;
  private readonly settings: ResolvedRedisChannelOptions<T>;
  private io: Promise<RedisIo> | undefined;
  /** The connection once open: a publish then starts its XADD without awaiting anything first. */
  private ready: RedisIo | undefined;
  private published = 0;
  private trimming: Promise<number> | undefined;
  private readonly sends = new Set<Promise<unknown>>();

  constructor(options: RedisMotifOptions<T>) {
    const settings = readOptions(options);
    super({ channelId: settings.channelId, options: settings.redis, path: 'redis' });
    this.settings = settings;
    this.streamKey = channelStreamKey(settings.namespace, settings.channelId);
    this.trimPolicy = settings.trim;
  }

  private connection(): Promise<RedisIo> {
    this.io ??= openChannelClient(this.settings.connection).then((io) => (this.ready = io));
    return this.io;
  }

  /**
   * XADDs the message; resolves once Redis has it (and, with `redis.durability`, its replicas).
   * @throws MotifsErrorUnavailable / MotifsErrorTimeout; `outcomeUnknown` when the XADD may have
   * been applied although its answer was lost (publishing again may duplicate the message)
   */
  protected sendEncoded(message: EncodedMessage): Promise<void> {
    const io = this.ready;
    // Not async: once connected, a publish is the XADD and one continuation.
    if (io === undefined) return this.connection().then(() => this.sendEncoded(message));
    const fields = encodeStreamEntry(message);
    const durability = this.settings.connection.durability as Required<RedisDurabilityOptions> | undefined;
    const write = { idempotent: false, details: { channelId: this.channelId } };
    const sent = io.run<unknown>(
      'publish',
      () => (durability ? runRedisDurably(io.client, durability, (p) => p.call('XADD', this.streamKey, '*', ...fields), { what: 'publish', ...write }) : io.client.xadd(this.streamKey, '*', ...fields)),
      write,
    );
    this.sends.add(sent);
    return sent.then(
      () => {
        this.sends.delete(sent);
        // Every TRIM_EVERY_PUBLISHES-th publish, counted from the first, in the background: a slow
        // or failed trim never fails a publish; the next one tries again.
        if (this.published++ % TRIM_EVERY_PUBLISHES === 0) this.trim().catch(() => undefined);
      },
      (err: unknown) => {
        this.sends.delete(sent);
        throw err;
      },
    );
  }

  /**
   * Trims the stream now by the policy (see `redis.trim`); resolves the number of entries
   * removed. A publisher also runs this on its own every {@link TRIM_EVERY_PUBLISHES} publishes.
   * @throws MotifsErrorUnavailable / MotifsErrorTimeout when Redis cannot be reached
   */
  trim(): Promise<number> {
    this.trimming ??= (async () => {
      try {
        const io = await this.connection();
        const { maxLen, maxAgeMs, trimUnread } = this.trimPolicy;
        if (maxLen === 0 && maxAgeMs === 0) return 0;
        const removed = await io.run('trim', () => io.client.eval(TRIM_SCRIPT, 1, this.streamKey, maxLen, maxAgeMs, trimUnread ? '1' : '0', TRIM_MAX_PER_RUN));
        return Number(removed);
      } finally {
        this.trimming = undefined;
      }
    })();
    return this.trimming;
  }

  /** Waits for the publishes and the trim in flight, then closes a connection motifs opened. */
  protected async closeTransport(): Promise<void> {
    await Promise.allSettled([...this.sends, this.trimming]);
    const io = await this.io?.catch(() => undefined);
    await io?.close();
  }
}
