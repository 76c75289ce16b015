import {
  MotifsErrorConflict,
  MotifsErrorNotFound,
  assertId,
  assertOpen,
  compileConditions,
  compileFindOptions,
  createRepoEmitter,
  emitAfter,
  emitBefore,
  isIndexable,
  matchesAll,
  mergeRecord,
  normalizeRepoSettings,
  orderAndPage,
  prepareCreate,
  preparePatch,
  type CompiledCondition,
  type IBaseDto,
  type IConditions,
  type IFindOptions,
  type IRepo,
} from '@motifs/core/kit';
import { FieldIndex } from './field-index.js';
import type { MemoryRepoOptions } from './options.js';

interface Entry<T> {
  /** What readers get a fresh parse of, so nothing handed out aliases the store. */
  json: string;
  /** Parsed once for matching and sorting; never handed out. */
  record: T;
}

/**
 * A repo held in this process: a `Map` of id -> JSON text (plus the parsed record for queries),
 * and a {@link FieldIndex} per indexed field. Every call's check-and-write runs without an
 * `await` in between, so concurrent calls cannot interleave inside one.
 */
export class MemoryRepo<T extends IBaseDto = IBaseDto> implements IRepo<T> {
  readonly name: string;
  readonly namespace: string;
  readonly em: IRepo<T>['em'] = createRepoEmitter();
  private readonly store = new Map<string, Entry<T>>();
  private readonly indexes = new Map<string, FieldIndex>();
  private closed = false;

  constructor(options: MemoryRepoOptions) {
    const settings = normalizeRepoSettings(options);
    this.name = settings.name;
    this.namespace = settings.namespace;
    for (const field of settings.indexes) this.indexes.set(field, new FieldIndex());
  }

  async create(dto: Partial<T>): Promise<T> {
    assertOpen(this.closed, this.name);
    const { record, json } = prepareCreate<T>(dto);
    await emitBefore<T, 'create'>(this.em, this.name, 'create', () => ({ dto: JSON.parse(json) as T }));
    assertOpen(this.closed, this.name);
    if (this.store.has(record.id)) {
      throw new MotifsErrorConflict(`${this.name} "${record.id}" already exists`, { details: { id: record.id } });
    }
    this.store.set(record.id, { json, record });
    this.indexRecord(record, undefined);
    await emitAfter<T, 'create'>(this.em, this.name, 'create', () => ({ dto: JSON.parse(json) as T }));
    return JSON.parse(json) as T;
  }

  async retrieve(id: string): Promise<T> {
    assertOpen(this.closed, this.name);
    assertId(id);
    const entry = this.store.get(id);
    if (!entry) throw new MotifsErrorNotFound(`${this.name} "${id}" not found`, { details: { id } });
    return JSON.parse(entry.json) as T;
  }

  async update(id: string, dto: Partial<T>): Promise<T> {
    assertOpen(this.closed, this.name);
    const patch = preparePatch<T>(id, dto);
    const patchJson = JSON.stringify(patch);
    await emitBefore<T, 'update'>(this.em, this.name, 'update', () => ({ id, dto: JSON.parse(patchJson) as Partial<T> }));
    assertOpen(this.closed, this.name);
    const entry = this.store.get(id);
    if (!entry) throw new MotifsErrorNotFound(`${this.name} "${id}" not found`, { details: { id } });
    const record = mergeRecord(entry.record, patch);
    const json = JSON.stringify(record);
    this.store.set(id, { json, record });
    this.indexRecord(record, entry.record);
    await emitAfter<T, 'update'>(this.em, this.name, 'update', () => ({
      id,
      dto: JSON.parse(json) as T,
      patch: JSON.parse(patchJson) as Partial<T>,
    }));
    return JSON.parse(json) as T;
  }

  async delete_(id: string): Promise<boolean> {
    assertOpen(this.closed, this.name);
    assertId(id);
    await emitBefore<T, 'delete'>(this.em, this.name, 'delete', () => ({ id }));
    assertOpen(this.closed, this.name);
    const entry = this.store.get(id);
    if (!entry) return false;
    this.store.delete(id);
    this.indexRecord(undefined, entry.record);
    await emitAfter<T, 'delete'>(this.em, this.name, 'delete', () => ({ id, dto: JSON.parse(entry.json) as T }));
    return true;
  }

  async findMany(conditions: IConditions, options?: IFindOptions): Promise<T[]> {
    assertOpen(this.closed, this.name);
    const compiled = compileConditions(conditions);
    const page = compileFindOptions(options);
    const found: Entry<T>[] = [];
    for (const entry of this.candidates(compiled)) if (matchesAll(entry.record as never, compiled)) found.push(entry);
    // Sort the parsed records, then copy only the page.
    const byRecord = new Map(found.map((e) => [e.record, e]));
    return orderAndPage(found.map((e) => e.record), page).map((r) => JSON.parse(byRecord.get(r)!.json) as T);
  }

  async count(conditions: IConditions): Promise<number> {
    assertOpen(this.closed, this.name);
    const compiled = compileConditions(conditions);
    if (compiled.length === 0) return this.store.size;
    let n = 0;
    for (const entry of this.candidates(compiled)) if (matchesAll(entry.record as never, compiled)) n++;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.store.clear();
    this.indexes.clear();
  }

  /** The entries worth testing: those of the most selective indexed condition, else all. */
  private *candidates(compiled: readonly CompiledCondition[]): Iterable<Entry<T>> {
    let best: { index: FieldIndex; condition: CompiledCondition; size: number } | undefined;
    for (const c of compiled) {
      const index = this.indexes.get(c.field);
      if (!index) continue;
      const size = index.estimate(c);
      if (!best || size < best.size) best = { index, condition: c, size };
    }
    if (!best) {
      yield* this.store.values();
      return;
    }
    for (const id of best.index.candidates(best.condition)) {
      const entry = this.store.get(id);
      if (entry) yield entry;
    }
  }

  /** Moves a record's index entries from `before` to `after` (either may be absent). */
  private indexRecord(after: T | undefined, before: T | undefined): void {
    const id = (after ?? before)!.id;
    for (const [field, index] of this.indexes) {
      const oldValue = before ? (before as Record<string, unknown>)[field] : undefined;
      const newValue = after ? (after as Record<string, unknown>)[field] : undefined;
      if (before && after && oldValue === newValue) continue;
      if (before && Object.hasOwn(before, field) && isIndexable(oldValue)) index.remove(oldValue, id);
      if (after && Object.hasOwn(after, field) && isIndexable(newValue)) index.add(newValue, id);
    }
  }
}
