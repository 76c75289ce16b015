import type Emittery from 'emittery';
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
 * CRUD over a named collection. Every write emits `<name>.<op>.<before|after>` on `em`.
 * (Seed interface; `close()` added so connections can be released.)
 */
export interface IRepo<T extends IBaseDto = IBaseDto> {
  name: string;
  em: Emittery;
  findMany(conditions: IFlatObject): Promise<T[]>;
  create(dto: Partial<T>): Promise<T>;
  retrieve(id: string): Promise<T>;
  update(id: string, dto: Partial<T>): Promise<T>;
  delete_(id: string): Promise<boolean>;
  close(): Promise<void>;
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
}

export type RepoOptionsFor<K extends keyof RepoKinds & string> = RepoBaseOptions & { kind: K } & {
  [P in K]?: RepoKinds[K];
};

export type MakeRepoOptions = { [K in keyof RepoKinds & string]: RepoOptionsFor<K> }[keyof RepoKinds & string];

/**
 * Builds a repo of the given kind, importing its adapter package on first use.
 * @example
 * const contacts = await makeRepo<IContact>({ kind: 'memory', name: 'contacts' });
 */
export function makeRepo<T extends IBaseDto = IBaseDto>(options: MakeRepoOptions): Promise<IRepo<T>> {
  return makeMotif<IRepo<T>>('repo', options);
}
