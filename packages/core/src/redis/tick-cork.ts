import type { Writable } from 'node:stream';

/** What {@link TickCork} needs of a client: its socket, once connected. */
export interface CorkableClient {
  stream?: unknown;
}

/**
 * Pipelining without a queue: the first command of a tick is written at once, so Redis starts on it
 * while the client goes on; from the second on, the socket is corked until the end of the tick
 * (`process.nextTick`), so the rest of a burst of concurrent calls leaves in one socket write
 * instead of one system call each, as node-redis does. ioredis still writes every command when it
 * is issued, in call order, each with its own `commandTimeout`, reply and error: only the flush
 * waits. Letting the first command go measured faster than corking it too at every load (1 to 256
 * calls in flight; at 8 in flight corking all of them was slower than not corking at all, since
 * Redis then idled until the tick ended). ioredis' `enableAutoPipelining` instead holds commands
 * until `setImmediate`, adds a promise per call and keeps one pipeline in flight per connection;
 * on one node it measured slower than this.
 * Used by the Redis motifs on one node and through Sentinel (a cluster client routes per node).
 * @example
 * const cork = new TickCork();
 * cork.touch(client); // before issuing a command
 * return client.get(key);
 */
export class TickCork {
  /** A command of this tick went out: the next ones are corked. */
  private armed = false;
  private corked: Writable | undefined;
  private readonly release = (): void => {
    this.armed = false;
    const stream = this.corked;
    this.corked = undefined;
    stream?.uncork();
  };

  /** Lets the first command of a tick go; corks `client`'s socket for the rest of the tick from the second on. */
  touch(client: CorkableClient): void {
    if (this.corked !== undefined) return;
    if (!this.armed) {
      this.armed = true;
      process.nextTick(this.release);
      return;
    }
    const stream = client.stream as Writable | undefined;
    if (typeof stream?.cork !== 'function') return;
    stream.cork();
    this.corked = stream;
  }
}
