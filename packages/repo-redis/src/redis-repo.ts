import { randomUUID } from 'node:crypto';
import {
  MotifsErrorConflict,
  MotifsErrorNotFound,
  MotifsErrorSerialization,
  MotifsErrorTimeout,
  MotifsErrorUnavailable,
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
} from '@motifs/core/kit';
import type { ChainableCommander, Redis } from 'ioredis';
import { mapRedisError, mapWriteError, type WriteFailure } from './errors.js';
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
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly timeoutMs: number;
  /** While an owned client connects: resolves once it is ready (shared by the calls waiting). */
  private readyWait: Promise<void> | undefined;
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
    // Not idempotent: the same dto sent again gets a new id. The error carries the id so the caller
    // can retry with it (a conflict then means the first call landed) or retrieve it.
    const created = await this.io('create', () => runScript(this.client, SCRIPTS.create, this.writeKeys(record.id), args), { idempotent: false, details: { id: record.id } });
    if (created === -1) throw await this.writeMismatch();
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
    // Idempotent: the same patch applied twice leaves the same record (updatedAt aside).
    const reply = await this.io('update', () => runScript(this.client, SCRIPTS.update, this.writeKeys(id), args), { idempotent: true, details: { id } });
    if (reply === -1) throw await this.writeMismatch();
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
    // Idempotent: deleting twice leaves no record (the second call resolves false).
    const reply = await this.io('delete_', () => runScript(this.client, SCRIPTS.delete, this.writeKeys(id), args), { idempotent: true, details: { id } });
    if (reply === -1) throw await this.writeMismatch();
    const record = reply ? decodeFlat<T>(reply as string[]) : undefined;
    if (!record) return false;
    await emitAfter<T, 'delete'>(this.em, this.name, 'delete', () => ({ id, dto: record }));
    return true;
  }

  async findMany(conditions: IConditions, options?: IFindOptions): Promise<T[]> {
    assertOpen(this.closed, this.name);
    const compiled = compileConditions(conditions);
    const page = compileFindOptions(options);
    let ids = await this.candidateIds('findMany', compiled);
    if (!ids) {
      const [all] = (await this.checkedReads('findMany', (tx) => tx.smembers(this.layout.ids))) as [string[]];
      ids = compiled.length ? await this.probe(all, compiled) : all;
    }
    const records = await this.fetch(ids);
    return orderAndPage(records.filter((r) => matchesAll(r as never, compiled)), page);
  }

  async count(conditions: IConditions): Promise<number> {
    assertOpen(this.closed, this.name);
    const compiled = compileConditions(conditions);
    // The id set alone answers, whatever the index list.
    if (compiled.length === 0) return this.io('count', () => this.client.scard(this.layout.ids));
    // Equalities on indexed fields only: the index alone answers (it is exact, kept by the scripts).
    if (compiled.every((c) => c.hasEq && this.indexSet.has(c.field) && c.in === undefined && !hasRange(c))) {
      const keys = compiled.map((c) => this.layout.idx(c.field, JSON.stringify(c.eq)));
      try {
        const [count] = await this.checkedReads('count', (tx) => tx.call('SINTERCARD', keys.length, ...keys));
        return Number(count);
      } catch (err) {
        // SINTERCARD is Redis 7+; older servers send the ids instead.
        if (!/unknown command/i.test(String((err as Error).message))) throw err;
        const [ids] = (await this.checkedReads('count', (tx) => tx.sinter(...keys))) as [string[]];
        return ids.length;
      }
    }
    // Otherwise read only the tested fields of the candidates (or of every record).
    const ids = (await this.candidateIds('count', compiled)) ?? ((await this.checkedReads('count', (tx) => tx.smembers(this.layout.ids))) as [string[]])[0];
    return (await this.probe(ids, compiled)).length;
  }

  /**
   * Rebuilds every index entry from the records for this instance's `indexes`, and records that
   * list as the repo's. Needed once after changing `indexes` on a repo that holds data (until
   * then, reads and writes throw `MotifsErrorConflict`). While it runs, every instance's writes
   * and indexed queries throw `MotifsErrorConflict`; if it dies half-way they keep doing so until
   * `reindex()` is called again. A second `reindex()` started meanwhile takes over and this one
   * throws `MotifsErrorConflict`. Idempotent. Resolves the number of records indexed.
   */
  async reindex(): Promise<number> {
    assertOpen(this.closed, this.name);
    const marker = `!reindex:${randomUUID()}`;
    const write: WriteFailure = { idempotent: true };
    const step = async (run: () => Promise<unknown>): Promise<number> => {
      const reply = Number(await this.io('reindex', run, write));
      if (reply === -1) {
        throw new MotifsErrorConflict(`repo "${this.name}" (namespace "${this.namespace}"): another reindex() started while this one ran; it decides the index list`, { details: { declared: this.declared } });
      }
      return reply;
    };
    // From here on every write and indexed query of every instance is refused, until the new list is stored.
    await this.io('reindex', () => this.client.hset(this.layout.meta, 'indexes', marker), write);
    for (const kind of ['idx:', 'zidx:']) {
      const pattern = `${escapeGlob(this.layout.prefix + kind)}*`;
      let cursor = '0';
      do {
        const [next, keys] = await this.io('reindex', () => this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000));
        cursor = next;
        if (keys.length) await step(() => runScript(this.client, SCRIPTS.reindexDrop, [this.layout.meta, ...keys], [marker]));
      } while (cursor !== '0');
    }
    const args: string[] = [this.layout.prefix, marker];
    for (const field of this.indexes) args.push(field, JSON.stringify(field));
    const ids = await this.io('reindex', () => this.client.smembers(this.layout.ids));
    let indexed = 0;
    for (let start = 0; start < ids.length; start += BATCH) {
      const keys = ids.slice(start, start + BATCH).map((id) => this.layout.rec(id));
      indexed += await step(() => runScript(this.client, SCRIPTS.reindex, [this.layout.meta, ...keys], args));
    }
    await step(() => runScript(this.client, SCRIPTS.reindexDone, [this.layout.meta], [marker, this.declared]));
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

  /**
   * Runs `add`'s reads in one MULTI after reading the stored index list, so they see the indexes
   * of that list and no other: another instance may have reindexed for other fields at any time.
   * Throws `MotifsErrorConflict` unless the list is this instance's (or nothing is stored that
   * could be indexed). Costs two more commands in the same round trip, on every query.
   */
  private async checkedReads(what: string, add: (tx: ChainableCommander) => unknown): Promise<unknown[]> {
    const replies = await this.io(what, async () => {
      const tx = this.client.multi().hget(this.layout.meta, 'indexes').scard(this.layout.ids);
      add(tx);
      const out = await tx.exec();
      if (!out) throw new Error('Connection is closed.');
      return out;
    });
    const values = replies.map(([err, value]) => {
      if (err) throw mapRedisError(err, what);
      return value;
    });
    const [stored, size] = values as [string | null, number];
    const reindexing = typeof stored === 'string' && stored.startsWith('!');
    // An empty repo, or one never indexed that declares no index, has nothing indexed wrongly.
    if (stored !== this.declared && (reindexing || (size > 0 && !(stored === null && this.declared === '[]')))) throw this.indexMismatch(stored);
    return values.slice(2);
  }

  /** The conflict for a stored index list (or reindex marker) that is not this instance's. */
  private indexMismatch(stored: string | null): MotifsErrorConflict {
    if (stored?.startsWith('!')) {
      return new MotifsErrorConflict(
        `repo "${this.name}" (namespace "${this.namespace}") is being reindexed, or a reindex() stopped half-way: retry once it has completed, or call reindex() again`,
        { details: { stored, declared: this.declared } },
      );
    }
    return new MotifsErrorConflict(
      `repo "${this.name}" (namespace "${this.namespace}") holds data indexed as ${stored ?? '(unknown)'}, but this instance declares ${this.declared}: declare the same indexes, or call reindex() once`,
      { details: { stored, declared: this.declared } },
    );
  }

  /** After a write script refused (-1): the conflict, naming the stored list when it can be read. */
  private async writeMismatch(): Promise<MotifsErrorConflict> {
    const stored = await this.io('meta', () => this.client.hget(this.layout.meta, 'indexes')).catch(() => null);
    return this.indexMismatch(stored);
  }

  /**
   * Ids that can satisfy the indexed conditions (intersected), or null when none is indexed and
   * the caller has to scan. Conditions are re-checked on the records, so a record changed between
   * the index read and the fetch is still filtered correctly.
   */
  private async candidateIds(what: string, compiled: readonly CompiledCondition[]): Promise<string[] | null> {
    const indexed = compiled.filter((c) => this.indexSet.has(c.field));
    if (indexed.length === 0) return null;
    if (indexed.some((c) => c.in?.length === 0)) return [];
    const equal = indexed.filter((c) => c.hasEq).map((c) => this.layout.idx(c.field, JSON.stringify(c.eq)));
    const lists = (await this.checkedReads(what, (tx) => {
      if (equal.length) tx.sinter(...equal);
      for (const c of indexed) {
        if (c.in) tx.sunion(...c.in.map((v) => this.layout.idx(c.field, JSON.stringify(v))));
        if (hasRange(c)) tx.zrangebyscore(this.layout.zidx(c.field), lowBound(c), highBound(c));
      }
    })) as string[][];
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
  private async io<R>(what: string, run: () => Promise<R>, write?: WriteFailure): Promise<R> {
    if (this.owned) {
      // Refused before sending (no connection): nothing was changed, whatever the call.
      await this.ready();
      try {
        return await run();
      } catch (err) {
        throw mapWriteError(err, what, write);
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MotifsErrorTimeout(`redis did not answer ${what} within ${this.timeoutMs} ms`, { details: { what } })), this.timeoutMs);
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (err) {
      // An injected client may queue the call while disconnected and send it later: a write that
      // timed out may still happen, so it is outcome-unknown too.
      throw mapWriteError(err, what, write);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolves once the repo's own client is connected; rejects with `MotifsErrorUnavailable` if it
   * fails to connect (the next attempt follows `reconnectMaxDelayMs`) or is not ready within the
   * command timeout. The client has no offline queue, so calls never pile up while Redis is down.
   */
  private ready(): Promise<void> {
    const c = this.client;
    if (c.status === 'ready') return Promise.resolve();
    if (c.status === 'end') return Promise.reject(new MotifsErrorUnavailable(`repo "${this.name}": the redis connection is closed`, { retryable: !this.closed }));
    if (c.status === 'wait') c.connect().catch(() => undefined);
    this.readyWait ??= new Promise<void>((resolve, reject) => {
      const done = (): void => {
        c.off('ready', onReady);
        c.off('error', onFail);
        c.off('end', onFail);
        this.readyWait = undefined;
      };
      const onReady = (): void => {
        done();
        resolve();
      };
      const onFail = (err?: unknown): void => {
        done();
        reject(mapRedisError(err ?? new Error('Connection is closed.'), 'connect'));
      };
      c.on('ready', onReady);
      c.on('error', onFail);
      c.on('end', onFail);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // A timeout (the server connected but does not answer), though nothing was sent: outcome known.
      timer = setTimeout(() => reject(new MotifsErrorTimeout(`redis was not ready within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    return Promise.race([this.readyWait, timeout]).finally(() => clearTimeout(timer));
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
