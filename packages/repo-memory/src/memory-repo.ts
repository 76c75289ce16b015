import { MotifsErrorValidation, RepoBase, copyJson, isIndexable, matchesAll, type CompiledCondition, type IBaseDto, type PreparedRecord } from '@motifs/core/kit';
import { MemoryChangeFeed } from './change-feed.js';
import { FieldIndex } from './field-index.js';
import type { MemoryRepoOptions } from './options.js';
import { readMemoryOptions } from './read-options.js';

/**
 * A repo held in this process: a `Map` of id -> record, and a {@link FieldIndex} per indexed
 * field. A stored record is a plain JSON tree (what `JSON.parse` makes) that nothing outside holds
 * and nothing changes: an update stores a new object. Readers get a `copyJson` of it, a deep copy
 * that is cheaper than parsing text, so nothing handed out aliases the store. Each storage step
 * runs without an `await`, so concurrent calls cannot interleave inside one; with a change feed
 * (`changes`), the step also publishes the write's change in that same synchronous turn, after the
 * store changed.
 * @example
 * const contacts = new MemoryRepo<IContact>({ name: 'contacts', indexes: ['lastName'] });
 */
export class MemoryRepo<T extends IBaseDto = IBaseDto> extends RepoBase<T> {
  private readonly store = new Map<string, T>();
  private readonly fieldIndexes = new Map<string, FieldIndex>();
  /** The same indexes as a list, for the create path (no iterator, no entry arrays). */
  private readonly indexList: { field: string; index: FieldIndex }[] = [];
  private readonly feed: MemoryChangeFeed<T> | undefined;

  /** @throws MotifsErrorValidation for bad options (see `RepoBase`, and `memory.publisher`) */
  constructor(options: MemoryRepoOptions) {
    super(options);
    const memory = readMemoryOptions(options.memory);
    if (memory.publisher !== undefined && !this.changes) {
      throw new MotifsErrorValidation('memory.publisher needs changes: { channelId }', { issues: [{ path: ['memory', 'publisher'], message: 'only with changes' }] });
    }
    this.feed = this.changes && new MemoryChangeFeed<T>(this.changes, memory.publisher);
    for (const field of this.indexes) {
      const index = new FieldIndex();
      this.fieldIndexes.set(field, index);
      this.indexList.push({ field, index });
    }
  }

  protected readRecord(id: string): T | undefined {
    const record = this.store.get(id);
    return record && copyJson(record);
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

  // Only matching records are returned (a subset of what the base could take): testing each one here
  // spares building an array of every candidate, which for a full scan is the whole store.
  protected findRecords(conditions: readonly CompiledCondition[]): T[] {
    const out: T[] = [];
    this.eachMatch(conditions, (record) => {
      out.push(record);
    });
    return out;
  }

  protected countRecords(conditions: readonly CompiledCondition[]): number {
    if (conditions.length === 0) return this.store.size;
    let n = 0;
    this.eachMatch(conditions, () => {
      n++;
    });
    return n;
  }

  protected async closeBackend(): Promise<void> {
    this.store.clear();
    this.fieldIndexes.clear();
    await this.feed?.close();
  }

  /** A fresh copy of a record {@link findRecords} returned (a stored one, never changed). */
  protected override reveal(record: T): T {
    return copyJson(record);
  }

  // The storage steps: no await between the store change and the publish of its change.

  // The prepared record is a fresh JSON tree the base hands over and never changes: stored as is.
  private insertRecordNow({ record }: PreparedRecord<T>): boolean | Promise<boolean> {
    this.assertOpen();
    if (this.store.has(record.id)) return false;
    this.store.set(record.id, record);
    this.indexNew(record);
    if (!this.feed) return true;
    return this.sent(this.feed.publish('create', record.id, copyJson(record))).then(() => true);
  }

  private patchRecordNow(id: string, patch: Partial<T>): T | undefined | Promise<T | undefined> {
    this.assertOpen();
    const before = this.store.get(id);
    if (!before) return undefined;
    // The patch is the base's own JSON tree; the new record shares the old one's other values,
    // which are never changed either.
    const record: T = { ...before, ...patch };
    this.store.set(id, record);
    this.indexRecord(record, before);
    if (!this.feed) return copyJson(record);
    return this.sent(this.feed.publish('update', id, copyJson(record), copyJson(before))).then(() => copyJson(record));
  }

  private removeRecordNow(id: string): T | undefined | Promise<T | undefined> {
    this.assertOpen();
    const record = this.store.get(id);
    if (!record) return undefined;
    this.store.delete(id);
    this.indexRecord(undefined, record);
    // Out of the store now: nothing else will read it, so the caller may own it.
    if (!this.feed) return record;
    return this.sent(this.feed.publish('delete', id, copyJson(record))).then(() => record);
  }

  /** Waits for a change's publish; a failure (the write stood) goes to `error` as `<name>.changes`. */
  private async sent(publishing: Promise<void>): Promise<void> {
    try {
      await publishing;
    } catch (error) {
      await this.reportError(`${this.name}.changes`, error);
    }
  }

  /**
   * Calls `found` with each record matching every condition, testing only the ids of the most
   * selective indexed condition, else every record.
   */
  private eachMatch(compiled: readonly CompiledCondition[], found: (record: T) => void): void {
    let best: { index: FieldIndex; condition: CompiledCondition; size: number } | undefined;
    for (const c of compiled) {
      const index = this.fieldIndexes.get(c.field);
      if (!index) continue;
      const size = index.estimate(c);
      if (!best || size < best.size) best = { index, condition: c, size };
    }
    if (!best) {
      for (const record of this.store.values()) if (matchesAll(record, compiled)) found(record);
      return;
    }
    for (const id of best.index.candidates(best.condition)) {
      const record = this.store.get(id);
      if (record && matchesAll(record, compiled)) found(record);
    }
  }

  /** Adds a new record's index entries. */
  private indexNew(record: T): void {
    const list = this.indexList;
    for (let i = 0; i < list.length; i++) {
      const { field, index } = list[i]!;
      const value = (record as Record<string, unknown>)[field];
      if (isIndexable(value) && Object.hasOwn(record, field)) index.add(value, record.id);
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
