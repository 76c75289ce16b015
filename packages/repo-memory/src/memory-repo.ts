import { MotifsErrorValidation, RepoBase, isIndexable, matchesAll, type CompiledCondition, type IBaseDto, type PreparedRecord } from '@motifs/core/kit';
import { MemoryChangeFeed } from './change-feed.js';
import { FieldIndex } from './field-index.js';
import type { MemoryRepoOptions } from './options.js';
import { readMemoryOptions } from './read-options.js';

interface Entry<T> {
  /** What readers get a fresh parse of, so nothing handed out aliases the store. */
  json: string;
  /** Parsed once for matching and sorting; replaced, never changed, on update. */
  record: T;
}

/**
 * A repo held in this process: a `Map` of id -> JSON text (plus the parsed record for queries),
 * and a {@link FieldIndex} per indexed field. Each storage step runs without an `await`, so
 * concurrent calls cannot interleave inside one; with a change feed (`changes`), the step also
 * publishes the write's change in that same synchronous turn, after the store changed.
 * @example
 * const contacts = new MemoryRepo<IContact>({ name: 'contacts', indexes: ['lastName'] });
 */
export class MemoryRepo<T extends IBaseDto = IBaseDto> extends RepoBase<T> {
  private readonly store = new Map<string, Entry<T>>();
  private readonly fieldIndexes = new Map<string, FieldIndex>();
  private readonly feed: MemoryChangeFeed<T> | undefined;

  /** @throws MotifsErrorValidation for bad options (see `RepoBase`, and `memory.publisher`) */
  constructor(options: MemoryRepoOptions) {
    super(options);
    const memory = readMemoryOptions(options.memory);
    if (memory.publisher !== undefined && !this.changes) {
      throw new MotifsErrorValidation('memory.publisher needs changes: { channelId }', { issues: [{ path: ['memory', 'publisher'], message: 'only with changes' }] });
    }
    this.feed = this.changes && new MemoryChangeFeed<T>(this.changes, memory.publisher);
    for (const field of this.indexes) this.fieldIndexes.set(field, new FieldIndex());
  }

  protected readRecord(id: string): T | undefined {
    const entry = this.store.get(id);
    return entry && (JSON.parse(entry.json) as T);
  }

  protected insertRecord(prepared: PreparedRecord<T>): boolean | Promise<boolean> {
    const opening = this.feed?.ready();
    if (opening) return opening.then(() => this.insertRecordNow(prepared));
    return this.insertRecordNow(prepared);
  }

  protected patchRecord(id: string, patch: Partial<T>): T | undefined | Promise<T | undefined> {
    const opening = this.feed?.ready();
    if (opening) return opening.then(() => this.patchRecordNow(id, patch));
    return this.patchRecordNow(id, patch);
  }

  protected removeRecord(id: string): T | undefined | Promise<T | undefined> {
    const opening = this.feed?.ready();
    if (opening) return opening.then(() => this.removeRecordNow(id));
    return this.removeRecordNow(id);
  }

  protected findRecords(conditions: readonly CompiledCondition[]): T[] {
    return [...this.candidates(conditions)];
  }

  protected countRecords(conditions: readonly CompiledCondition[]): number {
    if (conditions.length === 0) return this.store.size;
    let n = 0;
    for (const record of this.candidates(conditions)) if (matchesAll(record, conditions)) n++;
    return n;
  }

  protected async closeBackend(): Promise<void> {
    this.store.clear();
    this.fieldIndexes.clear();
    await this.feed?.close();
  }

  /** A fresh copy of a record {@link findRecords} returned, from its stored text while it is current. */
  protected override reveal(record: T): T {
    const entry = this.store.get(record.id);
    return JSON.parse(entry?.record === record ? entry.json : JSON.stringify(record)) as T;
  }

  // The storage steps: no await between the store change and the publish of its change.

  private insertRecordNow({ record, json }: PreparedRecord<T>): boolean | Promise<boolean> {
    this.assertOpen();
    if (this.store.has(record.id)) return false;
    this.store.set(record.id, { json, record });
    this.indexRecord(record, undefined);
    if (!this.feed) return true;
    return this.sent(this.feed.publish('create', record.id, JSON.parse(json) as T)).then(() => true);
  }

  private patchRecordNow(id: string, patch: Partial<T>): T | undefined | Promise<T | undefined> {
    this.assertOpen();
    const entry = this.store.get(id);
    if (!entry) return undefined;
    const before = entry.record;
    const record: T = { ...before, ...patch };
    const json = JSON.stringify(record);
    this.store.set(id, { json, record });
    this.indexRecord(record, before);
    if (!this.feed) return JSON.parse(json) as T;
    return this.sent(this.feed.publish('update', id, JSON.parse(json) as T, JSON.parse(entry.json) as T)).then(() => JSON.parse(json) as T);
  }

  private removeRecordNow(id: string): T | undefined | Promise<T | undefined> {
    this.assertOpen();
    const entry = this.store.get(id);
    if (!entry) return undefined;
    const { record } = entry;
    this.store.delete(id);
    this.indexRecord(undefined, record);
    // Out of the store now: nothing else will read it, so the caller may own it.
    if (!this.feed) return record;
    return this.sent(this.feed.publish('delete', id, JSON.parse(entry.json) as T)).then(() => record);
  }

  /** Waits for a change's publish; a failure (the write stood) goes to `error` as `<name>.changes`. */
  private async sent(publishing: Promise<void>): Promise<void> {
    try {
      await publishing;
    } catch (error) {
      await this.reportError(`${this.name}.changes`, error);
    }
  }

  /** The records worth testing: those of the most selective indexed condition, else all. */
  private *candidates(compiled: readonly CompiledCondition[]): Iterable<T> {
    let best: { index: FieldIndex; condition: CompiledCondition; size: number } | undefined;
    for (const c of compiled) {
      const index = this.fieldIndexes.get(c.field);
      if (!index) continue;
      const size = index.estimate(c);
      if (!best || size < best.size) best = { index, condition: c, size };
    }
    if (!best) {
      for (const entry of this.store.values()) yield entry.record;
      return;
    }
    for (const id of best.index.candidates(best.condition)) {
      const entry = this.store.get(id);
      if (entry) yield entry.record;
    }
  }

  /** Moves a record's index entries from `before` to `after` (either may be absent). */
  private indexRecord(after: T | undefined, before: T | undefined): void {
    const id = (after ?? before)!.id;
    for (const [field, index] of this.fieldIndexes) {
      const oldValue = before ? (before as Record<string, unknown>)[field] : undefined;
      const newValue = after ? (after as Record<string, unknown>)[field] : undefined;
      if (before && after && oldValue === newValue) continue;
      if (before && Object.hasOwn(before, field) && isIndexable(oldValue)) index.remove(oldValue, id);
      if (after && Object.hasOwn(after, field) && isIndexable(newValue)) index.add(newValue, id);
    }
  }
}
