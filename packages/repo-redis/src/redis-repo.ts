import {
  MotifsErrorConflict,
  MotifsErrorNotFound,
  MotifsErrorSerialization,
  MotifsErrorTimeout,
  MotifsErrorValidation,
  assertId,
  assertOpen,
  compileConditions,
  compileFindOptions,
  createRepoEmitter,
  escapeGlob,
  emitAfter,
  emitBefore,
  isIndexable,
  matchesAll,
  normalizeRepoSettings,
  orderAndPage,
  prepareCreate,
  preparePatch,
  type CompiledCondition,
  type IBaseDto,
  type IConditions,
  type IFindOptions,
  type IRepo,
} from '@motifs/core';
import type { Redis } from 'ioredis';
import { mapRedisError } from './errors.js';
import { RepoLayout } from './layout.js';
import type { RedisRepoOptions } from './options.js';
import { SCRIPTS, runScript } from './scripts.js';

/** Records fetched per pipeline when many are read. */
const BATCH = 1000;
const FORBIDDEN_FIELDS = new Set(['__proto__', 'constructor', 'prototype']);

/** What {@link RedisRepo} needs besides the options: the client and whether it owns it. */
export interface RedisRepoConnection {
  client: Redis;
  owned: boolean;
}

/**
 * A repo in Redis. Each write is one Lua script (record + id set + index entries together);
 * reads are plain commands. See {@link RepoLayout} for the keys.
 */
export class RedisRepo<T extends IBaseDto = IBaseDto> implements IRepo<T> {
  readonly name: string;
  readonly namespace: string;
  readonly em: IRepo<T>['em'] = createRepoEmitter();
  readonly layout: RepoLayout;
  private readonly indexes: readonly string[];
  private readonly indexSet: ReadonlySet<string>;
  /** The index list as stored in the meta hash: sorted JSON. */
  private readonly declared: string;
  private indexesChecked = false;
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: RedisRepoOptions, connection: RedisRepoConnection) {
    const settings = normalizeRepoSettings(options);
    this.name = settings.name;
    this.namespace = settings.namespace;
    this.indexes = settings.indexes;
    this.indexSet = new Set(settings.indexes);
    this.declared = JSON.stringify([...settings.indexes].sort());
    this.layout = new RepoLayout(settings.namespace, settings.name);
    this.client = connection.client;
    this.owned = connection.owned;
    this.timeoutMs = normalizeTimeout(options.redis?.commandTimeoutMs);
  }

  async create(dto: Partial<T>): Promise<T> {
    assertOpen(this.closed, this.name);
    const { record, json } = prepareCreate<T>(dto);
    await emitBefore<T, 'create'>(this.em, this.name, 'create', () => ({ dto: JSON.parse(json) as T }));
    assertOpen(this.closed, this.name);
    const fields = record as unknown as Record<string, unknown>;
    const args: (string | number)[] = [record.id, this.layout.prefix, this.declared];
    pushPairs(args, fields);
    for (const field of this.indexes) {
      if (!Object.hasOwn(fields, field)) continue;
      const entry = indexEntry(fields[field]);
      if (entry) args.push(JSON.stringify(field), entry.valueJson, entry.score);
    }
    const created = await this.io('create', () => runScript(this.client, SCRIPTS.create, this.writeKeys(record.id), args));
    if (created === -1) throw await this.indexMismatch();
    if (created !== 1) throw new MotifsErrorConflict(`${this.name} "${record.id}" already exists`, { details: { id: record.id } });
    await emitAfter<T, 'create'>(this.em, this.name, 'create', () => ({ dto: JSON.parse(json) as T }));
    return JSON.parse(json) as T;
  }

  async retrieve(id: string): Promise<T> {
    assertOpen(this.closed, this.name);
    assertId(id);
    // The raw reply: ioredis's HGETALL object conversion costs more than it saves here.
    const flat = await this.io('retrieve', () => this.client.call('HGETALL', this.layout.rec(id)));
    const record = decodeFlat<T>(flat as string[]);
    if (!record) throw new MotifsErrorNotFound(`${this.name} "${id}" not found`, { details: { id } });
    return record;
  }

  async update(id: string, dto: Partial<T>): Promise<T> {
    assertOpen(this.closed, this.name);
    const patch = preparePatch<T>(id, dto) as Record<string, unknown>;
    const patchJson = JSON.stringify(patch);
    await emitBefore<T, 'update'>(this.em, this.name, 'update', () => ({ id, dto: JSON.parse(patchJson) as Partial<T> }));
    assertOpen(this.closed, this.name);
    const args: (string | number)[] = [id, this.layout.prefix, this.declared];
    pushPairs(args, patch);
    for (const field of this.indexes) {
      if (!Object.hasOwn(patch, field)) continue;
      const entry = indexEntry(patch[field]);
      args.push(field, JSON.stringify(field), entry?.valueJson ?? '', entry?.score ?? '');
    }
    const reply = await this.io('update', () => runScript(this.client, SCRIPTS.update, this.writeKeys(id), args));
    if (reply === -1) throw await this.indexMismatch();
    const record = reply ? decodeFlat<T>(reply as string[]) : undefined;
    if (!record) throw new MotifsErrorNotFound(`${this.name} "${id}" not found`, { details: { id } });
    await emitAfter<T, 'update'>(this.em, this.name, 'update', () => ({
      id,
      dto: JSON.parse(JSON.stringify(record)) as T,
      patch: JSON.parse(patchJson) as Partial<T>,
    }));
    return record;
  }

  async delete_(id: string): Promise<boolean> {
    assertOpen(this.closed, this.name);
    assertId(id);
    await emitBefore<T, 'delete'>(this.em, this.name, 'delete', () => ({ id }));
    assertOpen(this.closed, this.name);
    const args: string[] = [id, this.layout.prefix, this.declared];
    for (const field of this.indexes) args.push(field, JSON.stringify(field));
    const reply = await this.io('delete_', () => runScript(this.client, SCRIPTS.delete, this.writeKeys(id), args));
    if (reply === -1) throw await this.indexMismatch();
    const record = reply ? decodeFlat<T>(reply as string[]) : undefined;
    if (!record) return false;
    await emitAfter<T, 'delete'>(this.em, this.name, 'delete', () => ({ id, dto: record }));
    return true;
  }

  async findMany(conditions: IConditions, options?: IFindOptions): Promise<T[]> {
    assertOpen(this.closed, this.name);
    const compiled = compileConditions(conditions);
    const page = compileFindOptions(options);
    await this.checkIndexes();
    let ids = await this.candidateIds(compiled);
    if (!ids) {
      const all = await this.io('findMany', () => this.client.smembers(this.layout.ids));
      ids = compiled.length ? await this.probe(all, compiled) : all;
    }
    const records = await this.fetch(ids);
    return orderAndPage(records.filter((r) => matchesAll(r as never, compiled)), page);
  }

  async count(conditions: IConditions): Promise<number> {
    assertOpen(this.closed, this.name);
    const compiled = compileConditions(conditions);
    if (compiled.length === 0) return this.io('count', () => this.client.scard(this.layout.ids));
    await this.checkIndexes();
    // Equalities on indexed fields only: the index alone answers (it is exact, kept by the scripts).
    if (compiled.every((c) => c.hasEq && this.indexSet.has(c.field) && c.in === undefined && !hasRange(c))) {
      const keys = compiled.map((c) => this.layout.idx(c.field, JSON.stringify(c.eq)));
      try {
        return Number(await this.io('count', () => this.client.call('SINTERCARD', keys.length, ...keys)));
      } catch (err) {
        // SINTERCARD is Redis 7+; older servers send the ids instead.
        if (!/unknown command/i.test(String((err as Error).message))) throw err;
        return (await this.io('count', () => this.client.sinter(...keys))).length;
      }
    }
    // Otherwise read only the tested fields of the candidates (or of every record).
    const ids = (await this.candidateIds(compiled)) ?? (await this.io('count', () => this.client.smembers(this.layout.ids)));
    return (await this.probe(ids, compiled)).length;
  }

  /**
   * Rebuilds every index entry from the records for this instance's `indexes`, and records that
   * list as the repo's. Needed once after changing `indexes` on a repo that holds data (until
   * then, reads and writes throw `MotifsErrorConflict`). Run it while nothing else writes.
   * Resolves the number of records indexed.
   */
  async reindex(): Promise<number> {
    assertOpen(this.closed, this.name);
    for (const kind of ['idx:', 'zidx:']) {
      const pattern = `${escapeGlob(this.layout.prefix + kind)}*`;
      let cursor = '0';
      do {
        const [next, keys] = await this.io('reindex', () => this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000));
        cursor = next;
        if (keys.length) await this.io('reindex', () => this.client.unlink(...keys));
      } while (cursor !== '0');
    }
    const args: string[] = [this.layout.prefix];
    for (const field of this.indexes) args.push(field, JSON.stringify(field));
    const ids = await this.io('reindex', () => this.client.smembers(this.layout.ids));
    let indexed = 0;
    for (let start = 0; start < ids.length; start += BATCH) {
      const keys = ids.slice(start, start + BATCH).map((id) => this.layout.rec(id));
      indexed += Number(await this.io('reindex', () => runScript(this.client, SCRIPTS.reindex, keys, args)));
    }
    await this.io('reindex', () => this.client.hset(this.layout.meta, 'indexes', this.declared));
    this.indexesChecked = true;
    return indexed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.owned) return;
    if (this.client.status === 'ready') {
      await this.io('close', () => this.client.quit()).catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }

  private writeKeys(id: string): string[] {
    return [this.layout.rec(id), this.layout.ids, this.layout.meta];
  }

  /** Once per instance before reading: the stored index list must be this instance's. */
  private async checkIndexes(): Promise<void> {
    if (this.indexesChecked) return;
    const [stored, size] = await this.io('findMany', async () => {
      const replies = await this.client.pipeline().hget(this.layout.meta, 'indexes').scard(this.layout.ids).exec();
      return (replies ?? []).map(([err, value]) => {
        if (err) throw err;
        return value;
      }) as [string | null, number];
    });
    if (stored === this.declared) {
      this.indexesChecked = true;
      return;
    }
    // Nothing to have indexed (yet): fine, but check again next time, as a write may set the list.
    if (size === 0 || (stored === null && this.declared === '[]')) return;
    throw await this.indexMismatch(stored);
  }

  private async indexMismatch(known?: string | null): Promise<MotifsErrorConflict> {
    const stored = known !== undefined ? known : await this.io('findMany', () => this.client.hget(this.layout.meta, 'indexes')).catch(() => null);
    return new MotifsErrorConflict(
      `repo "${this.name}" (namespace "${this.namespace}") holds data indexed as ${stored ?? '(unknown)'}, but this instance declares ${this.declared}: declare the same indexes, or call reindex() once`,
      { details: { stored, declared: this.declared } },
    );
  }

  /**
   * Ids that can satisfy the indexed conditions (intersected), or null when none is indexed and
   * the caller has to scan. Conditions are re-checked on the records, so a record changed between
   * the index read and the fetch is still filtered correctly.
   */
  private async candidateIds(compiled: readonly CompiledCondition[]): Promise<string[] | null> {
    const indexed = compiled.filter((c) => this.indexSet.has(c.field));
    if (indexed.length === 0) return null;
    if (indexed.some((c) => c.in?.length === 0)) return [];
    const pipeline = this.client.pipeline();
    const equal = indexed.filter((c) => c.hasEq).map((c) => this.layout.idx(c.field, JSON.stringify(c.eq)));
    if (equal.length) pipeline.sinter(...equal);
    for (const c of indexed) {
      if (c.in) pipeline.sunion(...c.in.map((v) => this.layout.idx(c.field, JSON.stringify(v))));
      if (hasRange(c)) pipeline.zrangebyscore(this.layout.zidx(c.field), lowBound(c), highBound(c));
    }
    const replies = await this.io('findMany', () => pipeline.exec());
    const lists: string[][] = [];
    for (const [err, value] of replies ?? []) {
      if (err) throw mapRedisError(err, 'findMany');
      lists.push(value as string[]);
    }
    lists.sort((a, b) => a.length - b.length);
    let result = lists[0] ?? [];
    for (const other of lists.slice(1)) {
      const set = new Set(other);
      result = result.filter((id) => set.has(id));
    }
    return result;
  }

  /** Records for `ids`, a batch per script call; ids deleted meanwhile are skipped. */
  private async fetch(ids: readonly string[]): Promise<T[]> {
    const out: T[] = [];
    for (let start = 0; start < ids.length; start += BATCH) {
      const keys = ids.slice(start, start + BATCH).map((id) => this.layout.rec(id));
      const replies = (await this.io('findMany', () => runScript(this.client, SCRIPTS.fetch, keys, []))) as string[][];
      for (const flat of replies) {
        const record = decodeFlat<T>(flat);
        if (record) out.push(record);
      }
    }
    return out;
  }

  /**
   * A scan that reads only the fields the conditions test (HMGET in batches) and returns the ids
   * that match; the caller then fetches and re-checks those records whole.
   */
  private async probe(ids: readonly string[], compiled: readonly CompiledCondition[]): Promise<string[]> {
    const fields = [...new Set(['id', ...compiled.map((c) => c.field)])];
    const matching: string[] = [];
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = ids.slice(start, start + BATCH);
      const keys = batch.map((id) => this.layout.rec(id));
      const replies = (await this.io('findMany', () => runScript(this.client, SCRIPTS.probe, keys, fields))) as (string | null)[][];
      replies.forEach((values, i) => {
        if (values[0] === null) return;
        const flat: string[] = [];
        values.forEach((value, j) => {
          if (value !== null) flat.push(fields[j]!, value);
        });
        if (matchesAll(decodeFlat(flat) as never, compiled)) matching.push(batch[i]!);
      });
    }
    return matching;
  }

  /**
   * Runs one Redis round trip under the command timeout, mapping failures to motifs errors. A
   * client the repo created enforces the timeout itself (ioredis `commandTimeout`, which also
   * covers commands queued while disconnected); an injected one gets a timer here.
   */
  private async io<R>(what: string, run: () => Promise<R>): Promise<R> {
    if (this.owned) {
      try {
        return await run();
      } catch (err) {
        throw mapRedisError(err, what);
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MotifsErrorTimeout(`redis did not answer ${what} within ${this.timeoutMs} ms`, { details: { what } })), this.timeoutMs);
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (err) {
      throw mapRedisError(err, what);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Validates `commandTimeoutMs` (default 5000). */
export function normalizeTimeout(value: unknown, what = 'commandTimeoutMs', fallback = 5000): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MotifsErrorValidation(`redis.${what} must be a positive number of ms`, { issues: [{ path: ['redis', what], message: 'must be > 0' }] });
  }
  return value;
}

function hasRange(c: CompiledCondition): boolean {
  return c.gt !== undefined || c.gte !== undefined || c.lt !== undefined || c.lte !== undefined;
}

function lowBound(c: CompiledCondition): string {
  if (c.gt !== undefined && (c.gte === undefined || c.gt >= c.gte)) return `(${c.gt}`;
  return c.gte !== undefined ? String(c.gte) : '-inf';
}

function highBound(c: CompiledCondition): string {
  if (c.lt !== undefined && (c.lte === undefined || c.lt <= c.lte)) return `(${c.lt}`;
  return c.lte !== undefined ? String(c.lte) : '+inf';
}

function indexEntry(value: unknown): { valueJson: string; score: string } | undefined {
  if (!isIndexable(value)) return undefined;
  return { valueJson: JSON.stringify(value), score: typeof value === 'number' ? String(value) : '' };
}

function pushPairs(args: (string | number)[], fields: Record<string, unknown>): void {
  const keys = Object.keys(fields);
  args.push(keys.length);
  for (const key of keys) args.push(key, JSON.stringify(fields[key]));
}

/** A record from a flat [field, value, ...] reply; undefined for a missing (empty) hash. */
function decodeFlat<T>(flat: string[]): T | undefined {
  if (!Array.isArray(flat) || flat.length === 0) return undefined;
  const record: Record<string, unknown> = {};
  let i = 0;
  try {
    for (; i < flat.length; i += 2) {
      const field = flat[i]!;
      // Written values never carry these keys; data from another writer must not reach a prototype.
      if (FORBIDDEN_FIELDS.has(field)) throw new SyntaxError(`forbidden field "${field}"`);
      record[field] = JSON.parse(flat[i + 1]!);
    }
  } catch (cause) {
    const field = String(flat[i]);
    throw new MotifsErrorSerialization(`stored record field "${field}" cannot be decoded`, { cause, issues: [{ path: [field], message: String((cause as Error).message) }] });
  }
  return record as T;
}
