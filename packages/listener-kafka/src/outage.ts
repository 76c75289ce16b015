/** What an {@link OutageWatch} needs from its listener. */
export interface OutageWatchOptions {
  /** Silence (while waiting on the brokers) after which `unavailable` is emitted, in ms. */
  unavailableAfterMs: number;
  /** How long an outage lasts after `unavailable` before it is reported to onError, in ms. */
  unavailableGraceMs: number;
  /** Extra silence allowed while joining a group: the broker may rightly hold that answer. */
  rebalanceTimeoutMs: number;
  /** True while handlers run: the consumer is then not waiting on the brokers. */
  busy(): boolean;
  closed(): boolean;
  /** No broker answered for `silentMs`. */
  onUnavailable(silentMs: number): void;
  /** Still none `unavailableGraceMs` later (called once per outage). */
  onProlonged(silentMs: number): void;
  /** A broker answered again after `downMs` of silence. */
  onRecovered(downMs: number): void;
}

/**
 * Outage detection. kafkajs retries an unreachable broker quietly (its crash event comes only once
 * the broker is back), so the listener watches for silence instead: while it waits on the brokers
 * (no handler running), no answer for `unavailableAfterMs` (while joining a group:
 * `rebalanceTimeout` more, since the broker may hold that answer) calls `onUnavailable`; still none
 * `unavailableGraceMs` later, `onProlonged`; the next answer, `onRecovered`.
 */
export class OutageWatch {
  /** From kafkajs's "connect" or "rebalancing" to the join: the broker may rightly hold the JoinGroup answer. */
  joining = false;
  /** When a broker last answered the consumer. */
  private lastAnswer = 0;
  /** Set while no broker answers: since when it has been silent, and whether it was reported. */
  private outage: { silentSince: number; detectedAt: number; reported: boolean } | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastTick = 0;

  constructor(private readonly options: OutageWatchOptions) {}

  /** Starts watching (once); the timer never keeps a process alive on its own. */
  start(): void {
    if (this.timer || this.options.closed()) return;
    this.lastAnswer = this.lastTick = Date.now();
    const every = Math.min(1000, Math.max(50, this.options.unavailableAfterMs / 4));
    this.timer = setInterval(() => this.check(every), every);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** A broker answered (any completed request proves it is reachable). */
  answered(): void {
    const now = Date.now();
    this.lastAnswer = now;
    const outage = this.outage;
    if (!outage) return;
    this.outage = undefined;
    this.options.onRecovered(now - outage.silentSince);
  }

  private check(every: number): void {
    const now = Date.now();
    // A tick far behind schedule means the event loop was blocked: answers may be waiting in
    // the socket buffers, so judge on the next tick, after I/O ran.
    const late = now - this.lastTick > 2 * every + 250;
    this.lastTick = now;
    if (this.options.closed() || late) return;
    // Handlers running: the consumer is not waiting on the brokers, so silence means nothing yet.
    if (this.options.busy()) {
      this.lastAnswer = now;
      return;
    }
    const silentMs = now - this.lastAnswer;
    if (!this.outage) {
      const limit = this.joining ? this.options.unavailableAfterMs + this.options.rebalanceTimeoutMs : this.options.unavailableAfterMs;
      if (silentMs < limit) return;
      this.outage = { silentSince: this.lastAnswer, detectedAt: now, reported: false };
      this.options.onUnavailable(silentMs);
      return;
    }
    if (this.outage.reported || now - this.outage.detectedAt < this.options.unavailableGraceMs) return;
    this.outage.reported = true;
    this.options.onProlonged(silentMs);
  }
}
