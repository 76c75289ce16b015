import { RepoBase, isIndexable, matchesAll, type CompiledCondition, type IBaseDto, type PreparedRecord } from '@motifs/core/kit';
import { FieldIndex } from './field-index.js';
import type { MemoryRepoOptions } from './options.js';

interface Entry<T> {
  /** What readers get a fresh parse of, so nothing handed out aliases the store. */
  json: string;
  /** Parsed once for matching and sorting; replaced, never changed, on update. */
  record: T;
}

/**
 * A repo held in this process: a `Map` of id -> JSON text (plus the parsed record for queries),
 * and a {@link FieldIndex} per indexed field. Each storage step runs without an `await`, so
 * concurrent calls cannot interleave inside one.
 * @example
 * const contacts = new MemoryRepo<IContact>({ name: 'contacts', indexes: ['lastName'] });
 */
export class MemoryRepo<T extends IBaseDto = IBaseDto> extends RepoBase<T> {
  private readonly store = new Map<string, Entry<T>>();
  private readonly fieldIndexes = new Map<string, FieldIndex>();

  constructor(options: MemoryRepoOptions) {
    super(options);
    for (const field of this.indexes) this.fieldIndexes.set(field, new FieldIndex());
  }

  protected readRecord(id: string): T | undefined {
    const entry = this.store.get(id);
    return entry && (JSON.parse(entry.json) as T);
  }

  protected insertRecord({ record, json }: PreparedRecord<T>): boolean {
    if (this.store.has(record.id)) return false;
    this.store.set(record.id, { json, record });
    this.indexRecord(record, undefined);
    return true;
  }

  protected patchRecord(id: string, patch: Partial<T>): T | undefined {
    const before = this.store.get(id)?.record;
    if (!before) return undefined;
    const record: T = { ...before, ...patch };
    const json = JSON.stringify(record);
    this.store.set(id, { json, record });
    this.indexRecord(record, before);
    return JSON.parse(json) as T;
  }

  protected removeRecord(id: string): T | undefined {
    const record = this.store.get(id)?.record;
    if (!record) return undefined;
    this.store.delete(id);
    this.indexRecord(undefined, record);
    // Out of the store now: nothing else will read it, so the caller may own it.
    return record;
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

  protected closeBackend(): void {
    this.store.clear();
    this.fieldIndexes.clear();
  }

  /** A fresh copy of a record {@link findRecords} returned, from its stored text while it is current. */
  protected override reveal(record: T): T {
    const entry = this.store.get(record.id);
    return JSON.parse(entry?.record === record ? entry.json : JSON.stringify(record)) as T;
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
