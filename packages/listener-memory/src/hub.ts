import { MotifsErrorConflict, MotifsErrorValidation, assertKey, assertNotChannelPattern } from '@motifs/core/kit';
import { type MemoryRetention, PartitionLog, type ResolvedRetention, resolveRetention } from './partition-log.js';

/** Called before every append; throw to simulate a broken channel (fault injection in tests). */
export type BeforeAppendHook = (channelId: string, record: { value: string; key?: string | undefined; headers?: Record<string, string> | undefined }) => void;

/** Options of a {@link MemoryChannelHub}. */
export interface MemoryChannelHubOptions {
  beforeAppend?: BeforeAppendHook;
  /** Retention of the channels this hub creates, unless the creating call gives its own (default {@link DEFAULT_RETENTION}). */
  retention?: MemoryRetention;
}

/**
 * Where in-memory publishers and listeners meet: a set of named channels, each an append-only log
 * split into partitions, with consumer groups that remember their position. Pass your own hub to
 * isolate tests; by default every listener and publisher in the process shares {@link defaultHub}.
 * @example
 * const hub = new MemoryChannelHub();
 * const publisher = createMemoryPublisher({ channelId: 'mars', memory: { hub } });
 */
export class MemoryChannelHub {
  private readonly channels = new Map<string, MemoryChannel>();
  private readonly watchers = new Set<(channel: MemoryChannel) => void>();
  private readonly retention: ResolvedRetention;

  /** @throws MotifsErrorValidation for bad `retention` */
  constructor(private readonly options: MemoryChannelHubOptions = {}) {
    this.retention = resolveRetention(options.retention, 'retention');
  }

  /**
   * The channel named `channelId`, created with `partitions` partitions (default 1) and
   * `retention` (default the hub's) on first use.
   * @throws MotifsErrorConflict when it exists with a different explicit partition count or retention
   * @throws MotifsErrorValidation for a pattern (`*`, `?`, `[`), bad partitions or retention
   */
  channel(channelId: string, partitions?: number, retention?: MemoryRetention): MemoryChannel {
    assertKey(channelId, 'channelId');
    assertNotChannelPattern(channelId);
    const wanted = retention === undefined ? undefined : resolveRetention(retention, 'memory.retention', this.retention);
    if (partitions !== undefined && (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024)) {
      throw new MotifsErrorValidation('partitions must be an integer from 1 to 1024', { issues: [{ path: ['partitions'], message: 'out of range' }] });
    }
    let channel = this.channels.get(channelId);
    if (!channel) {
      channel = new MemoryChannel(channelId, partitions ?? 1, this.options.beforeAppend, wanted ?? this.retention);
      this.channels.set(channelId, channel);
      for (const watcher of this.watchers) watcher(channel);
    } else if (wanted && (wanted.maxMessages !== channel.retention.maxMessages || wanted.maxAgeMs !== channel.retention.maxAgeMs)) {
      const { maxMessages, maxAgeMs } = channel.retention;
      throw new MotifsErrorConflict(`channel "${channelId}" exists with retention ${JSON.stringify({ maxMessages, maxAgeMs })}`, {
        details: { channelId, retention: { maxMessages, maxAgeMs } },
      });
    } else if (partitions !== undefined && partitions !== channel.partitionCount) {
      throw new MotifsErrorConflict(`channel "${channelId}" exists with ${channel.partitionCount} partition(s), not ${partitions}`, {
        details: { channelId, partitions: channel.partitionCount },
      });
    }
    return channel;
  }

  /** Whether a channel exists (was published to or listened on). */
  has(channelId: string): boolean {
    return this.channels.has(channelId);
  }

  /** Forgets a channel, its messages and its groups' positions. Active listeners keep their old copy. */
  delete(channelId: string): boolean {
    return this.channels.delete(channelId);
  }

  /** Names of existing channels. */
  channelIds(): string[] {
    return [...this.channels.keys()];
  }

  /**
   * Calls `watcher` with every channel created from now on (synchronously, before its first
   * message); returns the function that stops it. Pattern listeners find new channels this way.
   */
  watch(watcher: (channel: MemoryChannel) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }
}

/** The hub every listener and publisher uses unless given one. */
export const defaultHub = new MemoryChannelHub();

/** A consumer-group member as the group sees it. */
export interface GroupMember {
  /** Called with the partitions this member now owns (after every join and leave). */
  assign(partitions: number[]): void;
}

/** A consumer group's shared state on one channel. */
export class MemoryGroup {
  /** Next offset to deliver, per partition (the committed position). */
  readonly committed: number[];
  /** Per partition: resolves when the previous owner stopped working on it. */
  readonly released: Promise<void>[];
  private readonly members: GroupMember[] = [];

  constructor(readonly channel: MemoryChannel, fromBeginning: boolean) {
    this.committed = channel.partitionLogs.map((log) => (fromBeginning ? log.startOffset : log.endOffset));
    this.released = channel.partitionLogs.map(() => Promise.resolve());
  }

  join(member: GroupMember): void {
    this.members.push(member);
    this.rebalance();
  }

  leave(member: GroupMember): void {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
    this.rebalance();
  }

  get size(): number {
    return this.members.length;
  }

  /** Round-robin by join order, as Kafka's round-robin assignor does for one topic. */
  private rebalance(): void {
    const n = this.members.length;
    const owned: number[][] = this.members.map(() => []);
    for (let p = 0; p < this.channel.partitionCount; p++) if (n) owned[p % n]!.push(p);
    this.members.forEach((m, i) => m.assign(owned[i]!));
  }
}

/** A named channel: partitioned append-only logs (bounded by retention) plus its consumer groups. */
export class MemoryChannel {
  readonly partitionLogs: PartitionLog[];
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly waiters: Set<() => void>[];
  private roundRobin = 0;

  constructor(
    readonly channelId: string,
    readonly partitionCount: number,
    private readonly beforeAppend: BeforeAppendHook | undefined,
    readonly retention: ResolvedRetention,
  ) {
    this.partitionLogs = Array.from({ length: partitionCount }, () => new PartitionLog(retention));
    this.waiters = Array.from({ length: partitionCount }, () => new Set());
  }

  /** The group named `groupId`, created on first use at the end of each partition (or its start). */
  group(groupId: string, fromBeginning: boolean): MemoryGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new MemoryGroup(this, fromBeginning);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** Appends one message: same key, same partition (so per-key order holds); no key, round-robin. */
  append(record: { value: string; key?: string | undefined; headers?: Record<string, string> | undefined }): { partition: number; offset: number } {
    this.beforeAppend?.(this.channelId, record);
    const partition = record.key === undefined ? this.roundRobin++ % this.partitionCount : hash(record.key) % this.partitionCount;
    const offset = this.partitionLogs[partition]!.append({ value: record.value, key: record.key, headers: record.headers });
    const waiting = this.waiters[partition]!;
    if (waiting.size) {
      const wake = [...waiting];
      waiting.clear();
      for (const w of wake) w();
    }
    return { partition, offset };
  }

  /** Resolves when something is appended to `partition` or `signal` aborts. */
  waitForAppend(partition: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const waiting = this.waiters[partition]!;
      const done = () => {
        waiting.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      waiting.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** FNV-1a over UTF-16 code units: stable across runs, so a key always lands on one partition. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
