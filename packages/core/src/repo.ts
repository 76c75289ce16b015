import type Emittery from 'emittery';
import type { MotifsLogger } from './logger.js';
import { makeMotif } from './registry.js';

/** Fields every stored record has. `id` is assigned on create when missing. */
export interface IBaseDto {
  id: string;
  createdAt?: string;
  updatedAt?: string;
}

/** A scalar a condition can compare against. */
export type IFlatValue = string | number | boolean | null;

/** Field -> value equality conditions, all of which must hold (AND). `{}` matches everything. */
export interface IFlatObject {
  [field: string]: IFlatValue;
}

/**
 * Operators a condition value may use instead of a plain value. Several operators on one field
 * must all hold. Ranges compare numbers only: a record whose field is not a number never matches.
 * @example
 * { age: { $gte: 18, $lt: 65 }, city: { $in: ['Paris', 'Oslo'] } }
 */
export interface IConditionOperators {
  /** The field equals one of these values (an empty list matches nothing). */
  $in?: IFlatValue[];
  $gt?: number;
  $gte?: number;
  $lt?: number;
  $lte?: number;
}

/** What one field of a condition may be: a value to equal, or operators. */
export type IConditionValue = IFlatValue | IConditionOperators;

/** Field -> condition, all of which must hold (AND). Plain values ({@link IFlatObject}) are equality conditions. */
export interface IConditions {
  [field: string]: IConditionValue;
}

/** Sort key of `findMany`. Records missing the field sort first; ties are broken by `id`. */
export interface IOrderBy {
  field: string;
  /** Default `'asc'`. */
  direction?: 'asc' | 'desc';
}

/** Paging and order for {@link IRepo.findMany}. */
export interface IFindOptions {
  /** At most this many records (a whole number >= 0). Default: all. */
  limit?: number;
  /** Skip this many records of the ordered result first. Default 0. */
  offset?: number;
  /** A field name (ascending) or `{ field, direction }`. Default: by `id`, ascending. */
  orderBy?: string | IOrderBy;
}

/** The repo operations that emit events. */
export type RepoOp = 'create' | 'update' | 'delete';

/**
 * Payloads of the events a repo emits on `em` as `<name>.<op>.<before|after>`.
 * `before` payloads are copies: changing them does not change what is written.
 */
export interface RepoEventPayloads<T extends IBaseDto = IBaseDto> {
  /** The record about to be stored (id and timestamps assigned). */
  'create.before': { dto: T };
  /** The stored record. */
  'create.after': { dto: T };
  /** The partial dto about to be merged into record `id`. */
  'update.before': { id: string; dto: Partial<T> };
  /** The merged record as stored, and the partial dto that produced it. */
  'update.after': { id: string; dto: T; patch: Partial<T> };
  'delete.before': { id: string };
  /** The record that was deleted (only emitted when something was). */
  'delete.after': { id: string; dto: T };
}

/**
 * The events of a repo's `em`, by name: `<name>.<op>.<before|after>` with the payloads of
 * {@link RepoEventPayloads}, and `error`. The repo name is any string here, so
 * `em.on('contacts.create.after', async ({ dto }) => ...)` gets `dto` typed as the repo's record.
 * @example
 * contacts.em.on('contacts.update.after', async ({ id, patch }) => audit(id, patch));
 */
export type RepoEvents<T extends IBaseDto = IBaseDto> = {
  [K in keyof RepoEventPayloads<T> as `${string}.${K & string}`]: RepoEventPayloads<T>[K];
} & {
  /** An `after` listener threw (the write stood), or a `withCache` cacher call failed. */
  error: RepoEventError;
};

/** What a repo emits on `error` when an `after` listener throws (the write itself stood). */
export interface RepoEventError {
  /** What the listener threw. */
  error: unknown;
  /** The event whose listener threw, e.g. `contacts.create.after`. */
  event: string;
  /** The repo's name. */
  repo: string;
}

/**
 * CRUD over a named collection. Every write emits `<name>.<op>.<before|after>` on `em`
 * (see {@link RepoEvents}). A `before` listener that throws aborts the write with nothing
 * written; an `after` listener's error is reported on the `error` event instead.
 * `await using contacts = await makeRepo(...)` closes it at the end of the scope.
 * @example
 * const contacts = await makeRepo<IContact>({ kind: 'memory', name: 'contacts', indexes: ['lastName'] });
 * const { id } = await contacts.create({ firstName: 'Ada', lastName: 'Lovelace' });
 * await contacts.findMany({ lastName: 'Lovelace' }, { orderBy: 'firstName', limit: 10 });
 */
export interface IRepo<T extends IBaseDto = IBaseDto> {
  name: string;
  /** Typed events: `<name>.<op>.<before|after>` and `error` (see {@link RepoEvents}). */
  em: Emittery<RepoEvents<T>>;
  /** Records matching every condition, ordered and paged by `options`. `{}` matches all. */
  findMany(conditions: IConditions, options?: IFindOptions): Promise<T[]>;
  /** How many records match every condition. */
  count(conditions: IConditions): Promise<number>;
  /** Stores a new record; assigns a UUID `id` when none is given. Throws `MotifsErrorConflict` if the id exists. */
  create(dto: Partial<T>): Promise<T>;
  /** A fresh copy of the record, or `MotifsErrorNotFound`. */
  retrieve(id: string): Promise<T>;
  /** Merges `dto` (shallow) into the record atomically and returns the result; `id` cannot change. */
  update(id: string, dto: Partial<T>): Promise<T>;
  /** `true` when a record was deleted, `false` when there was none. */
  delete_(id: string): Promise<boolean>;
  /** Releases connections and timers; later calls reject with `MotifsErrorUnavailable`. Safe to call twice. */
  close(): Promise<void>;
  /** Same as {@link IRepo.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Adapter option types by kind, extended by declaration merging in adapter packages. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RepoKinds {}

/** Options every repo kind takes. */
export interface RepoBaseOptions {
  /** The collection name; also the prefix of its event names (`contacts.create.after`). */
  name: string;
  /** Isolates repos sharing a backend. */
  namespace?: string;
  /**
   * Fields answered from an index instead of a scan by `findMany` / `count` (equality, `$in`,
   * and numeric ranges). Every instance of one repo must declare the same list.
   */
  indexes?: string[];
  /**
   * Receives what no caller awaits: an `after` listener that threw while nobody listens on
   * `error`. Default: Node process warnings (see `resolveLogger`).
   */
  logger?: MotifsLogger;
  /**
   * Publishes every committed create / update / delete as a {@link RepoChange} on a channel.
   * See the repo adapter's README for how the write and its message are kept together.
   */
  changes?: RepoChangesOptions;
}

/**
 * Where a repo's change feed goes (`makeRepo({ ..., changes: { channelId } })`). Every instance of
 * one repo should declare the same feed: a write made without it publishes nothing and does not
 * count towards {@link RepoChange.version}.
 * @example
 * const contacts = await makeRepo<IContact>({ kind: 'redis', name: 'contacts', changes: { channelId: 'contacts.changes' }, redis: { url } });
 */
export interface RepoChangesOptions {
  /**
   * The channel every committed write is published to (message key: the record id; value: the
   * {@link RepoChange} as JSON). It must be the repo's name or start with `<name>.`
   * (`contacts` -> `contacts`, `contacts.changes`), on every kind, else `makeRepo` throws
   * `MotifsErrorValidation`: a Redis stream of that channel then shares the repo's cluster slot,
   * so the write and its message are one script. The channel lives in the repo's namespace.
   */
  channelId: string;
}

/**
 * One committed write, as a repo's change feed publishes it. The message key is the record id, so
 * changes of one record keep their order on every channel kind.
 * @example
 * listener.onMessage(async (change: RepoChange<Contact>) => { if (change.op === 'delete') forget(change.id); });
 */
export interface RepoChange<T extends IBaseDto = IBaseDto> {
  op: 'create' | 'update' | 'delete';
  id: string;
  /** The record after the write; for a delete, the record as it was when deleted. */
  dto: T;
  /** The record before an update (updates only). */
  previous?: T;
  /**
   * The record's write count: 1 for its first create, then +1 per update and delete. It continues
   * when a deleted id is created again, so a consumer can drop a change it has already applied.
   */
  version: number;
  /** When the write committed, in ms since the epoch (the backend's clock). */
  at: number;
}

/** `makeRepo` options for one kind: `{ kind, name, namespace?, indexes?, [kind]?: adapter options }`. */
export type RepoOptionsFor<K extends keyof RepoKinds & string> = RepoBaseOptions & { kind: K } & {
  [P in K]?: RepoKinds[K];
};

/** The union of options of every installed repo kind. */
export type MakeRepoOptions = { [K in keyof RepoKinds & string]: RepoOptionsFor<K> }[keyof RepoKinds & string];

/**
 * Builds a repo of the given kind, importing its adapter package on first use.
 * @example
 * const contacts = await makeRepo<IContact>({ kind: 'memory', name: 'contacts' });
 */
export function makeRepo<T extends IBaseDto = IBaseDto>(options: MakeRepoOptions): Promise<IRepo<T>> {
  return makeMotif<IRepo<T>>('repo', options);
}
