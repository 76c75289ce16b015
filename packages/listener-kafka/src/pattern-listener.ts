import { compileChannelPattern, emitSafe, within } from '@motifs/core/kit';
import type { Admin } from 'kafkajs';
import { toMotifsError } from './errors.js';
import { KafkaListener } from './listener.js';
import type { KafkaMotifOptions } from './options.js';

/** Default of `patternRefreshMs`: how often a pattern listener looks for new matching topics. */
export const PATTERN_REFRESH_MS = 5000;

/**
 * A Kafka listener on every topic matching a glob (`channelId: 'orders.*'`), including topics
 * created later. kafkajs's own RegExp subscription matches only the topics that exist when it
 * subscribes, so this listener lists the topics every `patternRefreshMs` and, when the matching
 * set changed, commits what it finished, leaves the group and joins again on the new set. A topic
 * that appears after `listen()` is read from its first message. Until every member of the group
 * has seen a new topic (one refresh), a member that has not may be given its partitions and
 * ignore them; the next rejoin fixes that.
 */
export class KafkaPatternListener<T = unknown> extends KafkaListener<T> {
  private readonly matches: (topic: string) => boolean;
  private readonly refreshMs: number;
  private admin: Admin | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  /** Whether the last topic listing failed (reported once per run of failures). */
  private listingFailed = false;

  constructor(options: KafkaMotifOptions<T>) {
    super(options);
    this.matches = compileChannelPattern(this.channelId);
    this.refreshMs = options.kafka?.patternRefreshMs ?? PATTERN_REFRESH_MS;
  }

  /** Topics this listener reads now. */
  get channelIds(): string[] {
    return [...this.topics.keys()];
  }

  /** Lists the matching topics, joins the group on them, then watches for new ones. */
  protected override async startTransport(): Promise<void> {
    let topics: string[];
    try {
      topics = await this.matchingTopics();
    } catch (cause) {
      await this.disconnectAdmin();
      throw toMotifsError(cause, `listing the topics that match ${this.channelId}`);
    }
    for (const topic of topics) this.topics.set(topic, this.fromBeginning);
    await super.startTransport();
    this.announce(topics);
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref?.();
  }

  /** Stops watching (waiting up to `closeTimeoutMs` for a rejoin under way), then closes as every listener does. */
  protected override async stopTransport(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await within(this.refreshing, this.closeTimeoutMs);
    await this.disconnectAdmin();
    await super.stopTransport();
  }

  /** Checks the topic list once (tests call it to skip the wait); rejoins when the matching set changed. */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.refreshOnce()).catch(() => undefined);
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    if (this.closed) return;
    let topics: string[];
    try {
      topics = await this.matchingTopics();
      this.listingFailed = false;
    } catch (cause) {
      if (!this.listingFailed) void this.reportError(toMotifsError(cause, `listing the topics that match ${this.channelId}; retrying every ${this.refreshMs}ms`));
      this.listingFailed = true;
      return;
    }
    const added = topics.filter((t) => !this.topics.has(t));
    const removed = [...this.topics.keys()].filter((t) => !topics.includes(t));
    if ((added.length === 0 && removed.length === 0) || this.closed) return;
    const before = new Map(this.topics);
    // A topic that appeared after listen() is new: nothing in it is older than this listener.
    for (const topic of added) this.topics.set(topic, true);
    for (const topic of removed) this.topics.delete(topic);
    try {
      if (await this.rejoin([...before.keys()])) {
        this.announce(added, removed.length > 0);
        return;
      }
    } catch (cause) {
      void this.reportError(toMotifsError(cause, `rejoining the group of ${this.channelId} on its new topics; retrying in ${this.refreshMs}ms`));
    }
    // Not rejoined: the next refresh tries again from the old set.
    this.topics.clear();
    for (const [topic, fromBeginning] of before) this.topics.set(topic, fromBeginning);
  }

  /**
   * Commits what finished, leaves the group, and joins again on {@link topics} with a fresh
   * consumer. Resolves false (and resumes) when in-flight handlers did not finish within
   * `closeTimeoutMs`: nothing is abandoned for a refresh.
   */
  private async rejoin(previous: string[]): Promise<boolean> {
    const consumer = this.consumer;
    if (consumer) {
      const paused = previous.map((topic) => ({ topic }));
      try {
        consumer.pause(paused);
      } catch {
        // Not running (crashed): nothing to pause.
      }
      if (this.batches.inFlight.size && (await within(this.batches.drained(), this.closeTimeoutMs)) === 'timeout') {
        consumer.resume(paused);
        return false;
      }
      await this.commitProcessed(consumer);
      this.batches.processed.clear();
      this.consumer = undefined;
      await within(consumer.disconnect().catch(() => undefined), this.disconnectTimeoutMs);
    }
    if (this.closed || this.topics.size === 0) return true;
    await this.start();
    this.outage.start();
    return true;
  }

  private announce(added: string[], removed = false): void {
    if (added.length === 0 && !removed) return;
    emitSafe(this.em, 'channels', { channelId: this.channelId, groupId: this.groupId, added, channels: this.channelIds });
  }

  private async matchingTopics(): Promise<string[]> {
    if (!this.admin) {
      const admin = this.client.admin();
      try {
        await admin.connect();
      } catch (cause) {
        await admin.disconnect().catch(() => undefined);
        throw cause;
      }
      this.admin = admin;
    }
    const topics = await this.admin.listTopics();
    this.outage.answered();
    return topics.filter(this.matches).sort();
  }

  private async disconnectAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await within(admin.disconnect().catch(() => undefined), this.disconnectTimeoutMs);
  }
}
