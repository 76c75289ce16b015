import {
  MotifsErrorConflict,
  RepoBase,
  normalizeRedisOptions,
  type CompiledCondition,
  type IBaseDto,
  type PreparedRecord,
  type RedisDurabilityOptions,
  type RedisTopology,
} from '@motifs/core/kit';
import type { Cluster, Command, Redis } from 'ioredis';
import { flatSender } from './flat-command.js';
import { writeMismatch } from './index-guard.js';
import { RepoLayout } from './layout.js';
import type { RedisRepoOptions } from './options.js';
import { countMatching, findCandidates } from './queries.js';
import { FieldNames, MemberPrefixes, decodeFlat, indexEntry, pairsJson, pushPairs } from './record-codec.js';
import { RedisIo, normalizeTimeout } from './redis-io.js';
import { reindex } from './reindex.js';
import type { RepoContext } from './repo-context.js';
import { SCRIPTS, runScript, runScriptDurably } from './scripts.js';

export { normalizeTimeout } from './redis-io.js';

/** What {@link RedisRepo} needs besides the options: the client and whether it owns it. */
export interface RedisRepoConnection {
  /** An ioredis `Redis` (one node, or Sentinel-backed) or `Cluster`. */
  client: Redis | Cluster;
  /** `true` when the repo created the client: `close()` then closes it too. */
  owned: boolean;
  /** What the client is; default: told from the client (`isCluster`). */
  topology?: RedisTopology;
  /** Overrides `options.redis.commandTimeoutMs` (already validated by the caller). */
  commandTimeoutMs?: number;
  /** Overrides `options.redis.durability` (already validated by the caller). */
  durability?: Required<RedisDurabilityOptions>;
  /** Overrides `options.redis.autoPipelining` (already validated by the caller). */
  autoPipelining?: boolean;
  /**
   * ioredis' `Command` class, from the module that made `client`: with it, the repo's script calls
   * (`EVALSHA` of every write, of findMany's batches and of reindex) and retrieve's `HGETALL` are sent without ioredis' copy of their
   * arguments (faster; the same command otherwise). `createRedisRepo` passes it for a client it opens.
   */
  command?: typeof Command;
}

/**
 * A repo in Redis. Each write is one Lua script (record + id set + index entries together);
 * reads are plain commands. See {@link RepoLayout} for the keys.
 * @example
 * const contacts = new RedisRepo<IContact>({ name: 'contacts', indexes: ['lastName'] }, { client, owned: false });
 */
export class RedisRepo<T extends IBaseDto = IBaseDto> extends RepoBase<T> {
  readonly layout: RepoLayout;
  private readonly client: Redis;
  private readonly ctx: RepoContext;
  /** The script keys after `rec`: ids, meta, and with a change feed the version hash and the stream. */
  private readonly writeKeys: string[];

  constructor(options: RedisRepoOptions, connection: RedisRepoConnection) {
    super(options);
    const { indexes } = this;
    this.layout = new RepoLayout(this.namespace, this.name);
    const timeoutMs = connection.commandTimeoutMs ?? normalizeTimeout(options.redis?.commandTimeoutMs);
    const durability = connection.durability
      ?? (options.redis?.durability === undefined ? undefined : normalizeRedisOptions({ commandTimeoutMs: timeoutMs, durability: options.redis.durability }).durability);
    const topology = connection.topology ?? ((connection.client as { isCluster?: boolean }).isCluster ? 'cluster' : 'single');
    const autoPipelining = connection.autoPipelining ?? normalizeRedisOptions({ autoPipelining: options.redis?.autoPipelining }).autoPipelining;
    const io = new RedisIo(connection.client, connection.owned, timeoutMs, topology, durability, autoPipelining);
    this.client = io.client;
    this.ctx = {
      name: this.name,
      namespace: this.namespace,
      layout: this.layout,
      io,
      indexes,
      indexSet: new Set(indexes),
      declared: JSON.stringify([...indexes].sort()),
      send: flatSender(connection.client, connection.command),
    };
    this.writeKeys = [this.layout.ids, this.layout.meta];
    if (this.changes) this.writeKeys.push(this.layout.ver, this.layout.changes(this.changes.channelId));
  }

  /** The stream key of the change feed (`changes.channelId`), if the repo has one. */
  get changesKey(): string | undefined {
    return this.changes && this.layout.changes(this.changes.channelId);
  }

  /**
   * Rebuilds every index entry from the records for this instance's `indexes`, and records that
   * list as the repo's. Needed once after changing `indexes` on a repo that holds data (until
   * then, reads and writes throw `MotifsErrorConflict`). While it runs, every instance's writes
   * and indexed queries throw `MotifsErrorConflict`; if it dies half-way they keep doing so until
   * `reindex()` is called again. A second `reindex()` started meanwhile takes over and this one
   * throws `MotifsErrorConflict`. Idempotent. Resolves the number of records indexed.
   * @example
   * const repo = await createRedisRepo({ name: 'contacts', indexes: ['lastName', 'city'], redis: { url } });
   * await repo.reindex(); // once, after adding 'city'
   */
  async reindex(): Promise<number> {
    this.assertOpen();
    return reindex(this.ctx);
  }

  protected readRecord(id: string): Promise<T | undefined> {
    // One plain HGETALL (a single-key read is atomic, no script needed), taken as the raw reply:
    // ioredis's HGETALL object conversion costs more than it saves here.
    const key = this.layout.rec(id);
    const io = this.ctx.io;
    // The common case at a call site of its own: writes share `run`, and a read behind that shared
    // closure measured 10-20% slower once writes had run in the same process.
    // As Buffers: decodeFlat reads them itself (field names it has seen are compared, not decoded),
    // where ioredis would convert each to text first.
    if (io.direct()) {
      // 'HGETALL' in capitals, as ioredis keys its reply transformer (flat array to object) by 'hgetall'.
      const { send } = this.ctx;
      const read = send === undefined ? (this.client.callBuffer('HGETALL', key) as Promise<unknown>) : send('HGETALL', [key], null);
      return read.then(this.decodeRecord, this.readFailed);
    }
    return io.run('retrieve', () => this.client.callBuffer('HGETALL', key)).then(this.decodeRecord);
  }

  /** `"name":` of the field names this repo's creates put in change messages (see {@link MemberPrefixes}). */
  private readonly memberPrefixes = new MemberPrefixes();

  /** The field names of the records this repo read last (see {@link FieldNames}). */
  private readonly fieldNames = new FieldNames();

  private readonly decodeRecord = (flat: unknown): T | undefined => decodeFlat<T>(flat as Buffer[], this.fieldNames);

  private readonly readFailed = (error: unknown): never => {
    throw this.ctx.io.fail(error, 'retrieve');
  };

  protected async insertRecord(prepared: PreparedRecord<T>): Promise<boolean> {
    const { record } = prepared;
    const fields = record as unknown as Record<string, unknown>;
    const args: (string | number)[] = [record.id, this.layout.prefix, this.ctx.declared];
    const pairsAt = args.length;
    pushPairs(args, fields);
    for (const field of this.ctx.indexes) {
      if (!Object.hasOwn(fields, field)) continue;
      const entry = indexEntry(fields[field]);
      if (entry) args.push(JSON.stringify(field), entry.valueJson, entry.score);
    }
    // With a feed the script only adds the version and the time to the message built here; its
    // dto is the record's JSON joined from the very field texts the hash receives.
    if (this.changes) args.push(`{"op":"create","id":${JSON.stringify(record.id)},"dto":${pairsJson(args, pairsAt, this.memberPrefixes)},"version":`);
    // Not idempotent: the same dto sent again gets a new id. The error carries the id so the caller
    // can retry with it (a conflict then means the first call landed) or retrieve it.
    const created = await this.script('create', SCRIPTS.create, record.id, args, { idempotent: false, details: { id: record.id } });
    if (created === -1) throw await writeMismatch(this.ctx);
    if (created === -2) throw this.feedConflict(record.id);
    return created === 1;
  }

  protected async patchRecord(id: string, patch: Partial<T>): Promise<T | undefined> {
    const fields = patch as Record<string, unknown>;
    const args: (string | number)[] = [id, this.layout.prefix, this.ctx.declared];
    pushPairs(args, fields);
    for (const field of this.ctx.indexes) {
      if (!Object.hasOwn(fields, field)) continue;
      const entry = indexEntry(fields[field]);
      args.push(field, JSON.stringify(field), entry?.valueJson ?? '', entry?.score ?? '');
    }
    // Idempotent: the same patch applied twice leaves the same record (updatedAt aside).
    const reply = await this.script('update', SCRIPTS.update, id, args, { idempotent: true, details: { id } });
    if (reply === -1) throw await writeMismatch(this.ctx);
    if (reply === -2) throw this.feedConflict(id);
    return reply ? decodeFlat<T>(reply as string[]) : undefined;
  }

  protected async removeRecord(id: string): Promise<T | undefined> {
    const args: string[] = [id, this.layout.prefix, this.ctx.declared];
    for (const field of this.ctx.indexes) args.push(field, JSON.stringify(field));
    // Idempotent: deleting twice leaves no record (the second call resolves false).
    const reply = await this.script('delete_', SCRIPTS.delete, id, args, { idempotent: true, details: { id } });
    if (reply === -1) throw await writeMismatch(this.ctx);
    if (reply === -2) throw this.feedConflict(id);
    return reply ? decodeFlat<T>(reply as string[]) : undefined;
  }

  protected findRecords(conditions: readonly CompiledCondition[]): Promise<T[]> {
    return findCandidates<T>(this.ctx, conditions);
  }

  protected countRecords(conditions: readonly CompiledCondition[]): Promise<number> {
    return countMatching(this.ctx, conditions);
  }

  protected closeBackend(): Promise<void> {
    return this.ctx.io.close();
  }

  /** The repo's durability setting (`redis.durability`), if any: each write then waits for that many replicas. */
  get durability(): Required<RedisDurabilityOptions> | undefined {
    return this.ctx.io.durability;
  }

  /** How the repo reaches Redis: `single`, `cluster` or `sentinel`. */
  get topology(): RedisTopology {
    return this.ctx.io.topology;
  }

  /** A feed key holds another type (written by someone else): the script refused before writing. */
  private feedConflict(id: string): MotifsErrorConflict {
    return new MotifsErrorConflict(`repo "${this.name}": the change feed key ${this.changesKey} or ${this.layout.ver} holds another type of value; nothing was written`, {
      details: { id, stream: this.changesKey, ver: this.layout.ver },
    });
  }

  /** Runs a write script over the record's keys (record, id set, meta), then waits for replicas if `durability` asks. */
  private script(what: string, script: (typeof SCRIPTS)[keyof typeof SCRIPTS], id: string, args: (string | number)[], write: { idempotent: boolean; details: Record<string, unknown> }): Promise<unknown> {
    const keys = [this.layout.rec(id), ...this.writeKeys];
    const { durability } = this.ctx.io;
    if (durability) return this.ctx.io.run(what, () => runScriptDurably(this.client, script, keys, args, durability, { what, ...write }), write);
    return this.ctx.io.run(what, () => runScript(this.client, script, keys, args, this.ctx.send), write);
  }
}
