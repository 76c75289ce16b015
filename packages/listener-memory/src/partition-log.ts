import { MotifsErrorValidation, describeType } from '@motifs/core/kit';

/** One stored message: the encoded payload as the publisher wrote it. */
export interface MemoryRecord {
  readonly offset: number;
  readonly value: string;
  readonly key: string | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly timestamp: number;
}

/**
 * How much of each partition a memory channel keeps. The oldest messages go first once either
 * bound is passed; offsets are never reused. `Infinity` switches a bound off.
 */
export interface MemoryRetention {
  /** Messages kept per partition (default 10,000). */
  maxMessages?: number;
  /** Messages older than this, in ms, are dropped (default 3,600,000: one hour). Checked on append and read. */
  maxAgeMs?: number;
}

/** {@link MemoryRetention} with defaults applied. */
export interface ResolvedRetention {
  readonly maxMessages: number;
  readonly maxAgeMs: number;
}

/**
 * Defaults of {@link MemoryRetention}: bounded, so a long-running process that publishes without
 * pause cannot grow without limit (10,000 messages of 1 KB are about 10 MB per partition), yet
 * far more than a test or a demo publishes, and an hour of history for a late listener.
 */
export const DEFAULT_RETENTION: ResolvedRetention = Object.freeze({ maxMessages: 10_000, maxAgeMs: 3_600_000 });

/**
 * Checks retention options and applies the defaults.
 * @throws MotifsErrorValidation when a bound is not a positive integer (messages), a positive number (ms) or `Infinity`
 */
export function resolveRetention(retention: MemoryRetention | undefined, path: string, defaults: ResolvedRetention = DEFAULT_RETENTION): ResolvedRetention {
  if (retention === undefined) return defaults;
  if (retention === null || typeof retention !== 'object' || Array.isArray(retention)) {
    throw new MotifsErrorValidation(`${path} must be an object, got ${describeType(retention)}`, { issues: [{ path: path.split('.'), message: 'must be an object' }] });
  }
  const { maxMessages = defaults.maxMessages, maxAgeMs = defaults.maxAgeMs } = retention;
  if (typeof maxMessages !== 'number' || !(maxMessages === Infinity || (Number.isInteger(maxMessages) && maxMessages >= 1))) {
    throw new MotifsErrorValidation(`${path}.maxMessages must be an integer >= 1 or Infinity`, { issues: [{ path: [...path.split('.'), 'maxMessages'], message: 'out of range' }] });
  }
  if (typeof maxAgeMs !== 'number' || Number.isNaN(maxAgeMs) || maxAgeMs <= 0) {
    throw new MotifsErrorValidation(`${path}.maxAgeMs must be a number of ms > 0 or Infinity`, { issues: [{ path: [...path.split('.'), 'maxAgeMs'], message: 'out of range' }] });
  }
  return { maxMessages, maxAgeMs };
}

/** Past this many dropped slots (and half the array), the array is compacted: amortised O(1) per drop. */
const COMPACT_AFTER = 1024;

/**
 * One partition: an append-only log whose oldest messages retention drops. Offsets keep growing
 * (a dropped message's offset is never given to another), so a group's position stays meaningful.
 * Age is enforced lazily, on append and on read: no timer keeps the process alive.
 */
export class PartitionLog {
  /** Slots of dropped messages are cleared at once (their payloads can be collected) and compacted later. */
  private slots: (MemoryRecord | undefined)[] = [];
  /** Index in `slots` of the oldest retained message. */
  private head = 0;
  /** Offset of `slots[0]`. */
  private base = 0;

  constructor(
    readonly retention: ResolvedRetention,
    private readonly now: () => number = Date.now,
  ) {}

  /** Offset of the oldest retained message (equals {@link endOffset} when nothing is retained). */
  get startOffset(): number {
    this.expire();
    return this.base + this.head;
  }

  /** Offset the next message will get. */
  get endOffset(): number {
    return this.base + this.slots.length;
  }

  /** Messages retained now. */
  get size(): number {
    this.expire();
    return this.slots.length - this.head;
  }

  /** The retained message at `offset`, or undefined (not written yet, or dropped). */
  at(offset: number): MemoryRecord | undefined {
    this.expire();
    const i = offset - this.base;
    return i >= this.head ? this.slots[i] : undefined;
  }

  /** Appends a message and applies retention; returns its offset. */
  append(record: Omit<MemoryRecord, 'offset' | 'timestamp'>): number {
    const offset = this.endOffset;
    this.slots.push({ offset, value: record.value, key: record.key, headers: record.headers, timestamp: this.now() });
    const excess = this.slots.length - this.head - this.retention.maxMessages;
    for (let i = 0; i < excess; i++) this.drop();
    this.expire();
    return offset;
  }

  /** Copies of the retained messages, oldest first. */
  retained(): MemoryRecord[] {
    this.expire();
    return this.slots.slice(this.head) as MemoryRecord[];
  }

  private expire(): void {
    if (this.retention.maxAgeMs === Infinity) return;
    const oldest = this.now() - this.retention.maxAgeMs;
    while (this.head < this.slots.length && this.slots[this.head]!.timestamp < oldest) this.drop();
  }

  private drop(): void {
    this.slots[this.head++] = undefined;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.slots.length) {
      this.slots = this.slots.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }
}
